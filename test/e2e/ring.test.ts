/**
 * A ring of cross-client round trips on one broker: each client produces a batch (with a
 * different codec per hop) that the next client consumes and checks exactly, and the last
 * hop is consumed by the client that started the ring:
 *
 *   kcat → kafka-python → confluent-kafka → @platformatic/kafka → kcat
 *
 * kafkajs joins as a producer only (it cannot consume without a consumer group):
 *   kafkajs → kafka-python.
 */
import { describe, test } from 'node:test';

import type { ClientDriver, Codec } from './clients/driver.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { kcatDriver } from './clients/kcat.js';
import { platformaticDriver } from './clients/platformatic.js';
import { pythonDriver } from './clients/python.js';
import { TEST_TIMEOUT_MS, clientBrokerEnv, useBroker } from './client-suite.js';
import { uniqueTopic } from './harness.js';
import { assertAcksContiguousFromZero, assertConsumedExactly, makeMessages, rangesFromStart } from './records.js';

type DriverFactory = (bootstrap: string) => ClientDriver;

interface Hop {
  producer: DriverFactory;
  consumer: DriverFactory;
  compression: Codec;
}

const kafkaPython: DriverFactory = (bootstrap) => pythonDriver('kafka-python', bootstrap);
const confluent: DriverFactory = (bootstrap) => pythonDriver('confluent-kafka', bootstrap);

const HOPS: Hop[] = [
  { producer: kcatDriver, consumer: kafkaPython, compression: 'lz4' },
  { producer: kafkaPython, consumer: confluent, compression: 'snappy' },
  { producer: confluent, consumer: platformaticDriver, compression: 'zstd' },
  { producer: platformaticDriver, consumer: kcatDriver, compression: 'gzip' },
  { producer: kafkajsDriver, consumer: kafkaPython, compression: 'gzip' },
];

const PARTITIONS = 3;
const MESSAGES_PER_HOP = 90;

describe('ring of cross-client round trips', () => {
  // Auto-creation on: kcat (no admin API) may start a hop; the others create topics explicitly.
  const broker = useBroker(clientBrokerEnv(true));

  for (const hop of HOPS) {
    const names = `${hop.producer('unbound:0').name} → ${hop.consumer('unbound:0').name}`;
    test(`${names}: a ${hop.compression} batch is consumed exactly`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const producer = hop.producer(broker().bootstrap);
      const consumer = hop.consumer(broker().bootstrap);
      const topic = uniqueTopic(`ring-${producer.name}-${consumer.name}`);
      const creator = producer.createTopic !== undefined ? producer : consumer;
      if (creator.createTopic !== undefined) await creator.createTopic(topic, PARTITIONS);
      // Data both ends can carry: kcat on either side means line-safe text.
      const shape = {
        payloads: producer.payloads === 'text' || consumer.payloads === 'text' ? ('text' as const) : ('binary' as const),
        perMessageHeaders: producer.perMessageHeaders,
      };
      const messages = makeMessages(shape, { tag: `ring-${producer.name}`, count: MESSAGES_PER_HOP, partitions: PARTITIONS });
      const acks = await producer.produce(topic, messages, { compression: hop.compression });
      assertAcksContiguousFromZero(messages, acks);
      const consumed = await consumer.consume!(topic, rangesFromStart(messages, PARTITIONS));
      assertConsumedExactly(messages, acks, consumed);
    });
  }
});
