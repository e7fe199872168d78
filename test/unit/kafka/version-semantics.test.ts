/**
 * The per-version semantics of the topic, produce and fetch handlers at Kafka 3.9's newest
 * versions, on the real services (no sockets, no disk): Fetch by topic id (v13+) with
 * UNKNOWN_TOPIC_ID, follower fetches, leader-epoch checks, sessions declined; ListOffsets
 * v8/v9 timestamps and duplicated partitions; CreateTopics v7 topic ids; DeleteTopics v6 by
 * id; FindCoordinator v4+ batched keys and v6 key types; Produce v11. Every answer is also
 * encoded in every version its handler serves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterIdentity } from '../../../src/cluster/cluster-identity.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { ProduceHandler } from '../../../src/kafka/handlers/00-produce.handler.js';
import { FetchHandler } from '../../../src/kafka/handlers/01-fetch.handler.js';
import { ListOffsetsHandler } from '../../../src/kafka/handlers/02-list-offsets.handler.js';
import { FindCoordinatorHandler } from '../../../src/kafka/handlers/10-find-coordinator.handler.js';
import { CreateTopicsHandler } from '../../../src/kafka/handlers/19-create-topics.handler.js';
import { DeleteTopicsHandler } from '../../../src/kafka/handlers/20-delete-topics.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import type { FetchRequest, FetchRequestFetchTopic } from '../../../src/wire/messages/01-fetch.js';
import { ZERO_UUID } from '../../../src/wire/reader.js';
import { buildBatch, values } from '../../support/batch-builder.js';
import { domain } from '../topics/support.js';
import { encodesInEveryVersion, registration, request, unlimitedQuotas } from './support.js';
import { OPEN_AUTHORIZER as OPEN } from './authorizer-support.js';

const MB = 1024 * 1024;
/** Long enough that an answer before it proves the fetch did not wait. */
const LONG_WAIT_MS = 30_000;
const UNKNOWN_ID = '0f0f0f0f-0000-4000-8000-000000000001';

function fetchBody(topics: FetchRequestFetchTopic[], overrides: Partial<FetchRequest> = {}): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 * MB,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics,
    forgottenTopicsData: [],
    rackId: '',
    ...overrides,
  };
}

function fetchTopic(ref: { topic?: string; topicId?: string }, partitions: number[], overrides: { fetchOffset?: number; currentLeaderEpoch?: number; lastFetchedEpoch?: number } = {}): FetchRequestFetchTopic {
  return {
    topic: ref.topic ?? '',
    topicId: ref.topicId ?? ZERO_UUID,
    partitions: partitions.map((partition) => ({
      partition,
      currentLeaderEpoch: overrides.currentLeaderEpoch ?? -1,
      fetchOffset: overrides.fetchOffset ?? 0,
      lastFetchedEpoch: overrides.lastFetchedEpoch ?? -1,
      logStartOffset: -1,
      partitionMaxBytes: MB,
    })),
  };
}

/** A topic `t` (2 partitions) whose partition 0 holds one batch of 3 records. */
async function withTopic() {
  const d = domain();
  const topic = d.registry.create('t', 2);
  await d.producer.produce([{ topic: 't', partition: 0, records: buildBatch(values(3)) }], 0, 0);
  return { ...d, topic, fetch: new FetchHandler(d.fetcher, unlimitedQuotas(d.config), OPEN, d.topics) };
}

const FETCH = registration(FetchHandler.prototype.fetch);

describe('Fetch v13-17', () => {
  it('fetches by topic id; an id no topic has is UNKNOWN_TOPIC_ID on each of its partitions, answered without waiting', async () => {
    const { topic, fetch } = await withTopic();
    const started = performance.now();
    const response = await fetch.fetch(
      request(13, fetchBody([fetchTopic({ topicId: topic.id }, [0]), fetchTopic({ topicId: UNKNOWN_ID }, [0, 1])], { maxWaitMs: LONG_WAIT_MS, minBytes: MB })),
    );
    assert.ok(performance.now() - started < LONG_WAIT_MS / 2, 'an unknown topic id answers at once');
    const [found, unknown] = response.responses!;
    assert.equal(found!.topicId, topic.id);
    assert.deepEqual([found!.partitions![0]!.errorCode, found!.partitions![0]!.highWatermark], [ErrorCode.NONE, 3]);
    assert.equal(unknown!.topicId, UNKNOWN_ID);
    assert.deepEqual(unknown!.partitions!.map((p) => [p.partitionIndex, p.errorCode, p.highWatermark]), [
      [0, ErrorCode.UNKNOWN_TOPIC_ID, -1],
      [1, ErrorCode.UNKNOWN_TOPIC_ID, -1],
    ]);
    encodesInEveryVersion(FETCH, () => response);
  });

  it('a topic deleted and created again under its name has a new id: the old one is UNKNOWN_TOPIC_ID', async () => {
    const d = await withTopic();
    d.registry.delete('t');
    const again = d.registry.create('t', 1);
    assert.notEqual(again.id, d.topic.id);
    const byOldId = await d.fetch.fetch(request(17, fetchBody([fetchTopic({ topicId: d.topic.id }, [0])])));
    assert.equal(byOldId.responses![0]!.partitions![0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    const byNewId = await d.fetch.fetch(request(17, fetchBody([fetchTopic({ topicId: again.id }, [0])])));
    assert.deepEqual([byNewId.responses![0]!.partitions![0]!.errorCode, byNewId.responses![0]!.partitions![0]!.highWatermark], [ErrorCode.NONE, 0]);
  });

  it('refuses a follower fetch (replica id from v0-14, replica state from v15) with NOT_LEADER_OR_FOLLOWER: one node has no followers', async () => {
    const { topic, fetch } = await withTopic();
    const asFollower = fetchBody([fetchTopic({ topic: 't' }, [0, 1])], { replicaId: 2 });
    const old = await fetch.fetch(request(12, asFollower));
    assert.deepEqual(old.responses![0]!.partitions!.map((p) => p.errorCode), [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    const byState = fetchBody([fetchTopic({ topicId: topic.id }, [0])], { replicaId: -1, replicaState: { replicaId: 2, replicaEpoch: 7 } });
    const fresh = await fetch.fetch(request(15, byState));
    assert.equal(fresh.responses![0]!.partitions![0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const consumerV15 = await fetch.fetch(request(15, { ...byState, replicaId: 2, replicaState: { replicaId: -1, replicaEpoch: -1 } }));
    assert.equal(consumerV15.responses![0]!.partitions![0]!.errorCode, ErrorCode.NONE, 'v15+: the old replica id field no longer counts');
    encodesInEveryVersion(FETCH, () => fresh);
  });

  it('checks leader epochs: a newer current epoch is UNKNOWN_LEADER_EPOCH; a last fetched epoch beyond the log end diverges', async () => {
    const { topic, fetch } = await withTopic();
    const answer = async (overrides: Parameters<typeof fetchTopic>[2]) =>
      (await fetch.fetch(request(17, fetchBody([fetchTopic({ topicId: topic.id }, [0], overrides)])))).responses![0]!.partitions![0]!;
    assert.equal((await answer({ currentLeaderEpoch: 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal((await answer({ currentLeaderEpoch: 0, lastFetchedEpoch: 0, fetchOffset: 1 })).records?.length, 1, 'epoch 0 is ours: records');
    const diverging = await answer({ lastFetchedEpoch: 0, fetchOffset: 5 });
    assert.deepEqual([diverging.errorCode, diverging.divergingEpoch, diverging.records], [ErrorCode.NONE, { epoch: 0, endOffset: 3 }, []]);
    assert.equal((await answer({ lastFetchedEpoch: 2, fetchOffset: 1 })).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'an epoch this node never had has no end');
    encodesInEveryVersion(FETCH, () => ({ responses: [{ topic: 't', topicId: topic.id, partitions: [{ partitionIndex: 0, ...diverging }] }] }));
  });

  it('declines fetch sessions: a full fetch is served whatever its session id, an incremental one is FETCH_SESSION_ID_NOT_FOUND', async () => {
    const { fetch } = await withTopic();
    const closing = await fetch.fetch(request(12, fetchBody([fetchTopic({ topic: 't' }, [0])], { sessionId: 7, sessionEpoch: -1 })));
    assert.deepEqual([closing.errorCode, closing.sessionId, closing.responses![0]!.partitions![0]!.errorCode], [ErrorCode.NONE, 0, ErrorCode.NONE]);
    const incremental = await fetch.fetch(request(12, fetchBody([], { sessionId: 7, sessionEpoch: 3 })));
    assert.equal(incremental.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });
});

describe('ListOffsets v8-9', () => {
  const handler = (d: Awaited<ReturnType<typeof withTopic>>) => new ListOffsetsHandler(d.offsets, OPEN);
  const partition = (partitionIndex: number, timestamp: number, currentLeaderEpoch = -1) => ({ partitionIndex, timestamp, currentLeaderEpoch, maxNumOffsets: 1 });

  it('answers earliest local (-4) with the log start and latest tiered (-5) with nothing; a newer leader epoch is UNKNOWN_LEADER_EPOCH', async () => {
    const d = await withTopic();
    d.topics.deleteRecords(d.registry.partition('t', 0)!, 1);
    const list = (...partitions: ReturnType<typeof partition>[]) => handler(d).listOffsets(request(9, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions }] }));
    const response = await list(partition(0, -4), partition(1, -5));
    assert.deepEqual(response.topics![0]!.partitions!.map((p) => [p.errorCode, p.offset, p.timestamp, p.leaderEpoch]), [
      [ErrorCode.NONE, 1, -1, 0],
      [ErrorCode.NONE, -1, -1, -1],
    ]);
    encodesInEveryVersion(registration(ListOffsetsHandler.prototype.listOffsets), () => response);
    const epochs = await list(partition(0, -1, 1), partition(1, -1, 0));
    assert.deepEqual(epochs.topics![0]!.partitions!.map((p) => [p.errorCode, p.offset]), [[ErrorCode.UNKNOWN_LEADER_EPOCH, -1], [ErrorCode.NONE, 0]]);
  });

  it('refuses a partition named twice with INVALID_REQUEST, both times, from v1', async () => {
    const d = await withTopic();
    const body = { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [partition(0, -1)] }, { name: 't', partitions: [partition(0, -2), partition(1, -1)] }] };
    const v1 = await handler(d).listOffsets(request(1, body));
    assert.deepEqual(v1.topics!.flatMap((t) => t.partitions!.map((p) => p.errorCode)), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE]);
    const v0 = await handler(d).listOffsets(request(0, body));
    assert.deepEqual(v0.topics!.flatMap((t) => t.partitions!.map((p) => p.oldStyleOffsets)), [[3], [0], [0]]);
  });
});

describe('CreateTopics v7 and DeleteTopics v6', () => {
  const creatable = (name: string) => ({ name, numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] });

  it('answers a created topic with its id, and zero ids for a validate_only or refused one', async () => {
    const d = domain();
    const create = new CreateTopicsHandler(d.topics, OPEN);
    const created = await create.createTopics(request(7, { topics: [creatable('made'), creatable('bad name')], timeoutMs: 1_000, validateOnly: false }));
    assert.deepEqual(created.topics!.map((t) => [t.name, t.errorCode, t.topicId]), [
      ['made', ErrorCode.NONE, d.registry.get('made')!.id],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, undefined],
    ]);
    const validated = await create.createTopics(request(7, { topics: [creatable('checked')], timeoutMs: 1_000, validateOnly: true }));
    assert.deepEqual([validated.topics![0]!.errorCode, validated.topics![0]!.topicId], [ErrorCode.NONE, ZERO_UUID]);
    encodesInEveryVersion(registration(CreateTopicsHandler.prototype.createTopics), () => created);
  });

  it('deletes by id from v6 (each answer with the topic id) and by name before', async () => {
    const d = domain();
    const [one, two] = [d.registry.create('one', 1), d.registry.create('two', 1)];
    const remove = new DeleteTopicsHandler(d.topics, OPEN);
    const byId = await remove.deleteTopics(request(6, { topics: [{ name: null, topicId: one.id }, { name: 'two', topicId: ZERO_UUID }, { name: null, topicId: UNKNOWN_ID }], topicNames: [], timeoutMs: 1_000 }));
    assert.deepEqual(byId.responses!.map((r) => [r.name, r.topicId, r.errorCode]), [
      ['one', one.id, ErrorCode.NONE],
      ['two', two.id, ErrorCode.NONE],
      [null, UNKNOWN_ID, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    encodesInEveryVersion(registration(DeleteTopicsHandler.prototype.deleteTopics), (version) => (version >= 6 ? byId : { responses: [] }));
    d.registry.create('three', 1);
    const byName = await remove.deleteTopics(request(5, { topics: [], topicNames: ['three', 'three', 'absent'], timeoutMs: 1_000 }));
    assert.deepEqual(byName.responses!.map((r) => [r.name, r.errorCode]), [
      ['three', ErrorCode.INVALID_REQUEST],
      ['absent', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    encodesInEveryVersion(registration(DeleteTopicsHandler.prototype.deleteTopics), () => byName);
  });
});

describe('FindCoordinator v4-6 and Produce v11', () => {
  const finder = () => new FindCoordinatorHandler(new ClusterIdentity(domain({ BROKER_PORTS: '9092,9094' }).config, new ListenerStatus()), OPEN);

  it('answers every key of a batch (v4+) with this node for groups, at the port the client used', async () => {
    const response = await finder().findCoordinator(request(4, { key: '', keyType: 0, coordinatorKeys: ['g1', 'g2'] }, 9094));
    assert.deepEqual(response.coordinators, [
      { key: 'g1', errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 1, host: 'localhost', port: 9094 },
      { key: 'g2', errorCode: ErrorCode.NONE, errorMessage: null, nodeId: 1, host: 'localhost', port: 9094 },
    ]);
    assert.equal(response.errorCode, undefined, 'v4+: no top-level coordinator');
    encodesInEveryVersion(registration(FindCoordinatorHandler.prototype.findCoordinator), () => response);
    const single = await finder().findCoordinator(request(3, { key: 'g', keyType: 0, coordinatorKeys: [] }));
    assert.deepEqual([single.errorCode, single.nodeId, single.port], [ErrorCode.NONE, 1, 9092]);
  });

  it('coordinates transactional ids too; has no coordinator for share groups (v6+), and share groups are INVALID_REQUEST before v6', async () => {
    const codes = async (version: number, keyType: number) =>
      (await finder().findCoordinator(request(version, { key: '', keyType, coordinatorKeys: ['k'] }))).coordinators!.map((c) => [c.errorCode, c.nodeId]);
    assert.deepEqual(await codes(6, 1), [[ErrorCode.NONE, 1]]);
    assert.deepEqual(await codes(6, 2), [[ErrorCode.COORDINATOR_NOT_AVAILABLE, -1]]);
    assert.deepEqual(await codes(5, 2), [[ErrorCode.INVALID_REQUEST, -1]]);
    assert.deepEqual(await codes(6, 9), [[ErrorCode.INVALID_REQUEST, -1]]);
  });

  it('produces with v11 and answers in every version', async () => {
    const d = domain();
    const producer = new ProduceHandler(d.producer, unlimitedQuotas(d.config), OPEN);
    const body = { transactionalId: null, acks: -1, timeoutMs: 1_000, topicData: [{ name: 'auto', partitionData: [{ index: 0, records: buildBatch(values(2)) }] }] };
    const response = await producer.produce(request(11, body));
    assert.notEqual(response, undefined);
    const answer = response as Exclude<typeof response, symbol>;
    assert.deepEqual(answer.responses![0]!.partitionResponses!.map((p) => [p.errorCode, p.baseOffset]), [[ErrorCode.NONE, 0]]);
    encodesInEveryVersion(registration(ProduceHandler.prototype.produce), () => answer);
  });
});
