/**
 * CreateTopics and CreatePartitions refusals (issue 14 item 7) side by side with Apache Kafka
 * 3.9: the same requests, encoded once by the generated codecs, sent to both brokers; each
 * answer's error code must be Kafka's. Manual assignments with gaps, duplicates, empty or
 * unknown broker lists, counts set beside assignments; names that collide once '.' and '_'
 * are unified; CreatePartitions naming an unknown broker or the wrong number of lists.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreatePartitionsApi, type CreatePartitionsRequest } from '../../src/wire/messages/37-create-partitions.js';
import { CreateTopicsApi, type CreateTopicsRequestCreatableTopic } from '../../src/wire/messages/19-create-topics.js';
import { startBroker, uniqueTopic, type BrokerHandle } from './harness.js';
import { startApacheKafka, type ApacheKafkaHandle } from './support/apache-kafka.js';
import { CodecClient } from './support/codec-client.js';

const CREATE_TOPICS_VERSION = 7;
const CREATE_PARTITIONS_VERSION = 3;
/** node.id of both brokers under test. */
const NODE = 1;
const TEST_TIMEOUT_MS = 60_000;

let kafka: ApacheKafkaHandle | undefined;
let blink: BrokerHandle | undefined;
const clients: Array<{ name: string; client: CodecClient }> = [];

before(async () => {
  // One after the other: both starting at once on 2 busy cores makes either miss its deadline.
  kafka = await startApacheKafka({ version: '3.9', heapMb: 512 });
  blink = await startBroker({ readyTimeoutMs: 60_000 });
  clients.push({ name: 'kafka', client: await CodecClient.connect(kafka.port) });
  clients.push({ name: 'blink', client: await CodecClient.connect(blink.kafkaPort) });
});

after(async () => {
  for (const { client } of clients) client.close();
  await kafka?.stop();
  await blink?.stop();
});

type TopicShape = Omit<CreateTopicsRequestCreatableTopic, 'name' | 'configs'>;

async function createTopic(client: CodecClient, name: string, shape: TopicShape): Promise<number> {
  const response = await client.request(CreateTopicsApi, CREATE_TOPICS_VERSION, { topics: [{ name, configs: [], ...shape }], timeoutMs: 30_000, validateOnly: false });
  return response.topics?.[0]?.errorCode ?? -1;
}

async function createPartitions(client: CodecClient, name: string, count: number, assignments: number[][] | null): Promise<number> {
  const request: CreatePartitionsRequest = { topics: [{ name, count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null }], timeoutMs: 30_000, validateOnly: false };
  const response = await client.request(CreatePartitionsApi, CREATE_PARTITIONS_VERSION, request);
  return response.results?.[0]?.errorCode ?? -1;
}

/** Each broker's code for the same step, by broker name. */
async function onBoth(step: (client: CodecClient) => Promise<number>): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  for (const { name, client } of clients) codes[name] = await step(client);
  return codes;
}

const manual = (...lists: Array<[number, number[]]>): TopicShape => ({
  numPartitions: -1,
  replicationFactor: -1,
  assignments: lists.map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })),
});

describe('topic refusals as Apache Kafka 3.9 answers them', () => {
  test('CreateTopics manual assignments and name collisions; CreatePartitions assignments', { timeout: TEST_TIMEOUT_MS }, async () => {
    const cases: Array<[string, TopicShape]> = [
      ['gap in the partitions', manual([0, [NODE]], [2, [NODE]])],
      ['a partition twice', manual([0, [NODE]], [0, [NODE]])],
      ['an empty broker list', manual([0, []])],
      ['an unknown broker', manual([0, [9]])],
      ['the broker twice', manual([0, [NODE, NODE]])],
      ['num_partitions beside assignments', { ...manual([0, [NODE]]), numPartitions: 1 }],
      ['replication factor beside assignments', { ...manual([0, [NODE]]), replicationFactor: 1 }],
      ['a valid manual assignment', manual([1, [NODE]], [0, [NODE]])],
    ];
    for (const [label, shape] of cases) {
      const name = uniqueTopic('assign');
      const codes = await onBoth((client) => createTopic(client, name, shape));
      assert.equal(codes.blink, codes.kafka, `${label}: ${JSON.stringify(codes)}`);
      assert.equal(codes.blink === 0, label.startsWith('a valid'), `${label}: refused unless valid`);
    }

    const dotted = `${uniqueTopic('col')}.x`;
    const plain = { numPartitions: 1, replicationFactor: 1, assignments: [] };
    assert.deepEqual(await onBoth((client) => createTopic(client, dotted, plain)), { kafka: 0, blink: 0 });
    const collision = await onBoth((client) => createTopic(client, dotted.replace('.x', '_x'), plain));
    assert.equal(collision.blink, collision.kafka, `'.' and '_' collide: ${JSON.stringify(collision)}`);
    assert.notEqual(collision.blink, 0);

    for (const [label, count, assignments] of [
      ['an unknown broker', 2, [[9]]],
      ['fewer lists than new partitions', 3, [[NODE]]],
      ['an empty list', 2, [[]]],
      ['a valid list', 2, [[NODE]]],
    ] as Array<[string, number, number[][]]>) {
      const codes = await onBoth((client) => createPartitions(client, dotted, count, assignments));
      assert.equal(codes.blink, codes.kafka, `CreatePartitions with ${label}: ${JSON.stringify(codes)}`);
      assert.equal(codes.blink === 0, label.startsWith('a valid'), `CreatePartitions with ${label}: refused unless valid`);
    }
  });
});
