/**
 * kcat 1.7.1 (librdkafka 2.0.2) against the Blink broker.
 *
 * Missing in kcat: an admin API (no create/delete topic: topics are auto-created by the
 * broker, so this broker runs with AUTO_CREATE_TOPICS=true and KAFKA_CFG_NUM_PARTITIONS=3),
 * per-message headers (-H applies to a whole run) and binary keys/values (line input).
 * Consuming uses kcat's simple consumer (-C -p: ListOffsets + Fetch, no group).
 */
import { describe } from 'node:test';

import { kcatDriver } from './clients/kcat.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

describe('kcat against Blink', () => {
  const broker = useBroker(clientBrokerEnv(true));
  registerClientScenarios({ broker, client: kcatDriver });
});
