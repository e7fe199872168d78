/**
 * Transactions with kafkajs 2.2.4 (in process): the scenarios of transactions-support.ts.
 */
import { describe } from 'node:test';

import { kafkajsTransactional } from './clients/kafkajs-txn.js';
import { useBroker } from './client-suite.js';
import { registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

describe('transactions: kafkajs', () => {
  const broker = useBroker(transactionBrokerEnv());
  registerTransactionScenarios(broker, kafkajsTransactional);
});
