/**
 * kafkajs 2.2.4 against the Blink broker.
 *
 * Missing in kafkajs: a consumer without a consumer group (consumer groups come in a
 * later issue), so what kafkajs produces is read back with confluent-kafka's assign()
 * consumer; and the snappy/lz4 codecs (not built in; zstd is registered from node:zlib,
 * see clients/kafkajs.ts).
 */
import { describe } from 'node:test';

import { kafkajsDriver } from './clients/kafkajs.js';
import { pythonDriver } from './clients/python.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

describe('kafkajs against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  registerClientScenarios({
    broker,
    client: kafkajsDriver,
    reader: (bootstrap) => pythonDriver('confluent-kafka', bootstrap),
  });
});
