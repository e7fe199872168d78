/**
 * Transactions with franz-go 1.22 (kgo; a GroupTransactSession for consume-transform-produce):
 * the scenarios of transactions-support.ts, through the txn_* ops of the franz-go driver
 * (go/cmd/franz-go/txn.go, a process per op).
 */
import { describe } from 'node:test';

import { goDriverBinary } from './clients/go.js';
import { runJsonOp } from './clients/json-driver.js';
import { transactionalOverCalls, TXN_OP_TIMEOUT_MS } from './clients/transactional.js';
import { useBroker } from './client-suite.js';
import { registerTransactionScenarios, transactionBrokerEnv } from './transactions-support.js';

describe('transactions: franz-go', () => {
  const broker = useBroker(transactionBrokerEnv());
  registerTransactionScenarios(broker, (bootstrap) => {
    const driver = { label: 'franz-go', command: goDriverBinary('franz-go'), args: [] };
    return transactionalOverCalls('franz-go', (op, args) => runJsonOp(driver, bootstrap, op, args, TXN_OP_TIMEOUT_MS));
  });
});
