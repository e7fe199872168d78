/**
 * Transactions with Kafka's Java client 3.9: the scenarios of transactions-support.ts,
 * through the txn_* ops of the Java driver (java/blink/driver/TxnOps.java, one long-lived JVM).
 */
import { after, describe } from 'node:test';

import { closeJavaDrivers, runJavaOp } from './clients/java.js';
import { transactionalOverCalls, TXN_OP_TIMEOUT_MS } from './clients/transactional.js';
import { useBroker } from './client-suite.js';
import { registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

describe('transactions: Java client 3.9', () => {
  const broker = useBroker(transactionBrokerEnv());
  after(closeJavaDrivers);
  registerTransactionScenarios(broker, (bootstrap) => transactionalOverCalls('java-3.9', (op, args) => runJavaOp('3.9', bootstrap, op, args, TXN_OP_TIMEOUT_MS)));
});
