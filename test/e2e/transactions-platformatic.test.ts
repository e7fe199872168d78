/**
 * Transactions with @platformatic/kafka 2.x (in process): the scenarios of transactions-support.ts.
 */
import { describe } from 'node:test';

import { platformaticTransactional } from './clients/platformatic-txn.js';
import { useBroker } from './client-suite.js';
import { registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

describe('transactions: @platformatic/kafka', () => {
  const broker = useBroker(transactionBrokerEnv());
  registerTransactionScenarios(broker, platformaticTransactional);
});
