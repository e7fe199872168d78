/**
 * Transactions with confluent-kafka 2.x (PyPI, bundled librdkafka): the scenarios of
 * transactions-support.ts, through the txn_* ops of confluent_txn.py (a process per op).
 */
import { describe } from 'node:test';

import { runJsonOp } from './clients/json-driver.js';
import { pythonDriverCommand } from './clients/python.js';
import { transactionalOverCalls, TXN_OP_TIMEOUT_MS } from './clients/transactional.js';
import { useBroker } from './client-suite.js';
import { registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

describe('transactions: confluent-kafka 2.x', () => {
  const broker = useBroker(transactionBrokerEnv());
  registerTransactionScenarios(broker, (bootstrap) => {
    const [interpreter, script] = pythonDriverCommand('confluent-kafka-2');
    const driver = { label: 'confluent-kafka-2', command: interpreter, args: [script] };
    return transactionalOverCalls('confluent-kafka-2', (op, args) => runJsonOp(driver, bootstrap, op, args, TXN_OP_TIMEOUT_MS));
  });
});
