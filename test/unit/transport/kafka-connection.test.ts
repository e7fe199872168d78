/**
 * Unit tests of one Kafka connection on a fake socket (no real sockets): responses leave in
 * request order under pipelining, read-ahead pauses the socket while a request runs, a
 * failing handler is answered with UNKNOWN_SERVER_ERROR and the connection carries on,
 * unsupported APIs and versions get UNSUPPORTED_VERSION, acks=0 gets no response, a
 * frame over the size limit closes the connection, and pooled memory: hot APIs decode in
 * place from the pooled frame, others from a copy, and a Fetch pins it until flushed;
 * expiry: idle, a frame trickled byte by byte (slowloris) past request_timeout_ms, and a
 * reader that leaves a pinned Fetch answer unflushed while memory held back is short;
 * back-pressure: read-ahead bounded in requests, and a shared request budget that pauses a
 * connection whose next frame does not fit until another connection's frame is handled;
 * fairness and system calls: answers of requests handled in one go leave in one write, and
 * a backlog lets the event loop run every FRAMES_PER_TURN requests; a Produce whose append
 * woke a parked Fetch is answered after that Fetch.
 */
import assert from 'node:assert/strict';
import { BatchMemory, batchMemoryLimitsFor, SLAB_BYTES } from '../../../src/storage/batch-memory.js';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ApiRegistry, type RegisteredApi } from '../../../src/kafka/transport/api-registry.js';
import { KafkaConnection, type ConnectionLimits } from '../../../src/kafka/transport/kafka-connection.js';
import { NO_RESPONSE, type KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { DescribeGroupsApi } from '../../../src/wire/messages/15-describe-groups.js';
import { FindCoordinatorApi, type FindCoordinatorRequest, type FindCoordinatorResponse } from '../../../src/wire/messages/10-find-coordinator.js';
import { ApiVersionsApi } from '../../../src/wire/messages/18-api-versions.js';
import { MetadataApi } from '../../../src/wire/messages/03-metadata.js';
import { ProduceApi, type ProduceRequest } from '../../../src/wire/messages/00-produce.js';
import { FetchApi, type FetchResponse } from '../../../src/wire/messages/01-fetch.js';
import { FRAMES_PER_TURN, MAX_QUEUED_REQUESTS_PER_CONNECTION, READER_STALL_MS } from '../../../src/kafka/transport/kafka-connection.js';
import { RequestBudget } from '../../../src/kafka/transport/request-budget.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import { PartitionLog } from '../../../src/storage/partition-log.js';
import { unlimitedAccountant } from '../../support/storage.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { bareRequestFrame, FakeSocket, readResponse, requestFrame } from '../../support/fake-socket.js';
import { served, servedNow } from '../../support/served-api.js';

Logger.overrideLogger(false);

const EMPTY_FETCH = { clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: '' };
const EMPTY_FETCH_RESPONSE: FetchResponse = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] };
/** A Fetch answer carrying `records` (a stored batch's bytes) for partition t-0. */
const fetchAnswerOf = (records: Buffer): FetchResponse => ({
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1, lastStableOffset: 1, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records }] }],
});

const failing = (): never => {
  throw new Error('handler bug');
};

function connect(apis: RegisteredApi[], limits: ConnectionLimits = { maxFrameBytes: 1024 * 1024, maxBufferedBytes: 1024 * 1024 }, parking?: FetchParking) {
  const socket = new FakeSocket();
  const registry = new ApiRegistry();
  for (const api of apis) registry.register(api);
  const handled: number[] = [];
  const memory = new BatchMemory(batchMemoryLimitsFor(1 << 20));
  const clock = new FakeClock();
  const connection = new KafkaConnection(socket, registry, limits, new Logger('test'), { requestHandled: (apiKey) => handled.push(apiKey) }, clock, memory, { wakes: parking });
  return { socket, connection, handled, memory, clock };
}

/** A promise the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const findCoordinator = (key: string): FindCoordinatorRequest => ({ key, keyType: 0, coordinatorKeys: [] });
/** FindCoordinator v2: classic header and a top-level error code. */
const FC_VERSION = 2;
const coordinatorAnswer = (request: KafkaRequest<unknown>): FindCoordinatorResponse => ({
  errorCode: 0,
  nodeId: Number((request.body as FindCoordinatorRequest).key),
  host: 'localhost',
  port: 9092,
});

function coordinatorResponses(socket: FakeSocket): Array<{ correlationId: number; body: FindCoordinatorResponse }> {
  return socket.responses().map((frame) => readResponse(frame, FindCoordinatorApi, FC_VERSION, false));
}

/**
 * A connection under a 64-byte read-ahead bound that has received FindCoordinator '1', whose
 * handler waits for `slow`; `more` is the next four requests (keys 2-5), more than the bound.
 */
function slowFirstRequest() {
  const slow = deferred<void>();
  const fixture = connect(
    [
      served(FindCoordinatorApi, 0, 2, async (request) => {
        if ((request.body as FindCoordinatorRequest).key === '1') await slow.promise;
        return coordinatorAnswer(request);
      }),
    ],
    { maxFrameBytes: 1024, maxBufferedBytes: 64 },
  );
  fixture.socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('1')));
  const more = Buffer.concat([2, 3, 4, 5].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n)))));
  return { ...fixture, slow, more };
}

describe('KafkaConnection (fake socket)', () => {
  it('answers pipelined requests one at a time, in request order, even when the first is slow', async () => {
    const slow = deferred<void>();
    const started: string[] = [];
    const { socket, connection } = connect([
      served(FindCoordinatorApi, 0, 2, async (request) => {
        const key = (request.body as FindCoordinatorRequest).key;
        started.push(key);
        if (key === '1') await slow.promise;
        return coordinatorAnswer(request);
      }),
    ]);
    socket.receive(Buffer.concat([1, 2, 3].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, 100 + n, findCoordinator(String(n))))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, ['1'], 'the next request waits for the one being handled');
    slow.resolve();
    await connection.idle();
    assert.deepEqual(started, ['1', '2', '3']);
    assert.deepEqual(coordinatorResponses(socket).map((r) => [r.correlationId, r.body.nodeId]), [[101, 1], [102, 2], [103, 3]]);
  });

  it('writes the answers of pipelined requests handled in one go together, once the turn is over (one writev)', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(Buffer.concat([1, 2, 3, 4, 5].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    await connection.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [1, 2, 3, 4, 5]);
    assert.equal(socket.flushes, 1);
  });

  it('sends the answer to the last request received at once, without waiting for the tick (nothing gathered behind it)', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    let flushesAtTick = -1;
    socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 7, findCoordinator('1')));
    await connection.idle();
    const flushesWhenAnswered = socket.flushes;
    process.nextTick(() => (flushesAtTick = socket.flushes));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushesWhenAnswered, 1, 'the answer left before the continuations of its turn were over');
    assert.equal(flushesAtTick, 1);
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [7]);
  });

  it('sends a Produce answered within the read callback at once, before the continuations of its turn run', async () => {
    const producer = connect([servedNow(ProduceApi, 0, 9, () => ({ responses: [], throttleTimeMs: 0 }))]);
    let flushesWhenAnswered = -1;
    // From a callback of its own, as a socket's data arrives.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        producer.socket.receive(requestFrame(ProduceApi, 9, 2, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }));
        flushesWhenAnswered = producer.socket.flushes;
        resolve();
      }),
    );
    assert.equal(flushesWhenAnswered, 1, 'the Produce answer left within the read callback');
    assert.equal(readResponse(producer.socket.responses()[0], ProduceApi, 9, true).correlationId, 2);
  });

  /**
   * Two connections whose handlers act as the real ones: a Fetch that parks and answers a few
   * continuations after its wake-up, a Produce that appends and answers in the call.
   */
  function consumerAndProducer() {
    const clock = new FakeClock();
    const parking = new FetchParking(clock);
    const log = new PartitionLog('t', 0, unlimitedAccountant(clock));
    const consumer = connect([servedNow(FetchApi, 0, 12, () => parking.park([log], 1, 30_000).then(() => Promise.resolve(EMPTY_FETCH_RESPONSE)).then((answer) => answer))], undefined, parking);
    const producer = connect(
      [
        servedNow(ProduceApi, 0, 9, () => {
          log.append({ baseOffset: log.highWatermark, lastOffset: log.highWatermark, buffer: Buffer.alloc(100), appendTimeMs: 0 });
          return { responses: [], throttleTimeMs: 0 };
        }),
      ],
      undefined,
      parking,
    );
    return { consumer, producer, parking };
  }

  it('sends a Produce whose append woke a parked Fetch after that Fetch answer, and one that woke none at once', async () => {
    // The consumer waits for the append: its answer should leave first (the Produce answer,
    // written first, wakes the producer's thread, which may take the CPU the Fetch answer needs).
    const { consumer, producer, parking } = consumerAndProducer();
    const order: string[] = [];
    // When bytes leave: a write while not corked, or the uncork that ends a corked run of writes.
    for (const [socket, name] of [[consumer.socket, 'fetch'], [producer.socket, 'produce']] as const) {
      const write = socket.write.bind(socket);
      const uncork = socket.uncork.bind(socket);
      const flushed = (before: number): void => {
        if (socket.flushes > before) order.push(name);
      };
      socket.write = (chunk, callback) => {
        const before = socket.flushes;
        const accepted = write(chunk, callback);
        flushed(before);
        return accepted;
      };
      socket.uncork = () => {
        const before = socket.flushes;
        uncork();
        flushed(before);
      };
    }
    const produce = (correlationId: number) => requestFrame(ProduceApi, 9, correlationId, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] });
    consumer.socket.receive(requestFrame(FetchApi, 12, 1, { ...EMPTY_FETCH, maxWaitMs: 30_000, minBytes: 1 }));
    await settle();
    assert.equal(parking.parkedCount, 1);
    // From a callback of its own, as a socket's data arrives.
    await new Promise<void>((resolve) => setImmediate(() => resolve(producer.socket.receive(produce(2)))));
    await Promise.all([consumer.connection.idle(), producer.connection.idle()]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['fetch', 'produce']);
    assert.equal(readResponse(producer.socket.responses()[0], ProduceApi, 9, true).correlationId, 2);
    // Nothing parked: the next Produce answer leaves within its read callback.
    let writesWhenAnswered = -1;
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        producer.socket.receive(produce(3));
        writesWhenAnswered = order.length;
        resolve();
      }),
    );
    assert.equal(writesWhenAnswered, 3);
  });

  it('sends a held Produce answer (its append woke a parked Fetch) before it closes the socket, when closed in the same turn', async () => {
    const { consumer, producer } = consumerAndProducer();
    consumer.socket.receive(requestFrame(FetchApi, 12, 1, { ...EMPTY_FETCH, maxWaitMs: 30_000, minBytes: 1 }));
    await settle();
    let flushesWhenReceived = -1;
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        producer.socket.receive(requestFrame(ProduceApi, 9, 2, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }));
        flushesWhenReceived = producer.socket.flushes;
        producer.connection.destroy();
        resolve();
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushesWhenReceived, 0, 'held while the woken Fetch is answered');
    assert.equal(producer.socket.flushes, 1, 'written before the close');
    assert.equal(readResponse(producer.socket.responses()[0], ProduceApi, 9, true).correlationId, 2);
    await consumer.connection.idle();
  });

  it('sends the answers it gathered for one write before it closes the socket (shutdown answers parked fetches, then closes)', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 7, findCoordinator('1')));
    await connection.idle();
    connection.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(socket.flushes, 1);
  });

  it('lets the event loop run after FRAMES_PER_TURN pipelined requests, so other connections are served during a backlog', async () => {
    const { socket, connection, handled } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    const backlog = FRAMES_PER_TURN * 2 + 3;
    socket.receive(Buffer.concat(Array.from({ length: backlog }, (_, n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    let handledAtOtherTurn = -1;
    setImmediate(() => (handledAtOtherTurn = handled.length));
    await connection.idle();
    assert.equal(handledAtOtherTurn, FRAMES_PER_TURN);
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), Array.from({ length: backlog }, (_, n) => n));
  });

  it('pauses the socket once read-ahead exceeds the bound while a request runs, and resumes when it is answered', async () => {
    const { slow, socket, connection, more } = slowFirstRequest();
    assert.ok(more.length > 64);
    socket.receive(more.subarray(0, 40));
    assert.equal(socket.isPaused(), false, 'under the bound: keeps reading');
    socket.receive(more.subarray(40));
    assert.equal(socket.isPaused(), true, 'over the bound while busy: paused');
    slow.resolve();
    await connection.idle();
    assert.equal(socket.isPaused(), false, 'resumed once the queued requests are answered');
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [1, 2, 3, 4, 5]);
  });

  it('sends a throttled response at once, then handles no further request until the quota mute ends (KIP-219)', async () => {
    const started: string[] = [];
    const { socket, connection, clock } = connect([
      served(FindCoordinatorApi, 0, 2, (request) => {
        const key = (request.body as FindCoordinatorRequest).key;
        started.push(key);
        assert.equal(request.connection.principal.name, 'ANONYMOUS');
        if (key === '1') request.connection.muteUntil(clock.nowMs() + 500);
        return coordinatorAnswer(request);
      }),
    ]);
    socket.receive(Buffer.concat([1, 2].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [1], 'the throttled response is not held back');
    assert.deepEqual(started, ['1'], 'the next request waits for the mute');
    await clock.advanceAndSettle(499);
    assert.deepEqual(started, ['1']);
    await clock.advanceAndSettle(1);
    await connection.idle();
    assert.deepEqual(started, ['1', '2']);
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [1, 2]);
  });

  it('ends a quota mute early when the connection closes', async () => {
    const started: string[] = [];
    const { socket, connection, clock } = connect([
      served(FindCoordinatorApi, 0, 2, (request) => {
        started.push((request.body as FindCoordinatorRequest).key);
        request.connection.muteUntil(clock.nowMs() + 60_000);
        return coordinatorAnswer(request);
      }),
    ]);
    socket.receive(Buffer.concat([1, 2].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    await new Promise((resolve) => setImmediate(resolve));
    socket.emit('close');
    await connection.idle();
    assert.deepEqual(started, ['1'], 'nothing more is handled on a closed connection');
    assert.equal(clock.pendingTimers, 0, 'the mute timer is cancelled');
  });

  it('handles requests whose handler returns its answer within the call that received them (no turn of the event loop), in order', async () => {
    const { socket, connection, handled } = connect([servedNow(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(Buffer.concat([1, 2, 3].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    assert.deepEqual(handled, [FindCoordinatorApi.apiKey, FindCoordinatorApi.apiKey, FindCoordinatorApi.apiKey], 'all three handled before receive() returned');
    await connection.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(coordinatorResponses(socket).map((r) => [r.correlationId, r.body.nodeId]), [[1, 1], [2, 2], [3, 3]]);
    assert.equal(socket.flushes, 1, 'the answers still leave in one write');
  });

  it('keeps request order when handlers that answer at once and handlers that wait are mixed', async () => {
    const slow = deferred<void>();
    const started: string[] = [];
    const { socket, connection } = connect([
      servedNow(FindCoordinatorApi, 0, 2, (request) => {
        const key = (request.body as FindCoordinatorRequest).key;
        started.push(key);
        return key === '2' ? slow.promise.then(() => coordinatorAnswer(request)) : coordinatorAnswer(request);
      }),
    ]);
    socket.receive(Buffer.concat([1, 2, 3].map((n) => requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n))))));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, ['1', '2'], 'the request after one that waits is not handled before it is answered');
    slow.resolve();
    await connection.idle();
    assert.deepEqual(started, ['1', '2', '3']);
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [1, 2, 3]);
  });

  for (const [how, serve] of [
    ['whose promise rejects', served],
    ['that throws in the call itself', servedNow],
  ] as const) {
    it(`answers a handler ${how} with UNKNOWN_SERVER_ERROR in the top-level error code and serves the next request`, async () => {
      const { socket, connection, handled } = connect([
        serve(FindCoordinatorApi, 0, 2, (request) => ((request.body as FindCoordinatorRequest).key === 'bad' ? failing() : coordinatorAnswer(request))),
      ]);
      socket.receive(Buffer.concat([requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('bad')), requestFrame(FindCoordinatorApi, FC_VERSION, 2, findCoordinator('7'))]));
      await connection.idle();
      const [failed, next] = coordinatorResponses(socket);
      assert.deepEqual([failed.correlationId, failed.body.errorCode], [1, ErrorCode.UNKNOWN_SERVER_ERROR]);
      assert.deepEqual([next.correlationId, next.body.errorCode, next.body.nodeId], [2, 0, 7]);
      assert.equal(socket.destroyed, false);
      assert.deepEqual(handled, [FindCoordinatorApi.apiKey, FindCoordinatorApi.apiKey]);
    });
  }

  it('puts UNKNOWN_SERVER_ERROR in every group when the response has no top-level error code', async () => {
    // Nest's exception filter hands the transport this object instead of the handler's error.
    const { socket, connection } = connect([served(DescribeGroupsApi, 0, 5, () => Promise.reject({ status: 'error', message: 'Internal server error' }))]);
    socket.receive(requestFrame(DescribeGroupsApi, 1, 9, { groups: ['a', 'b'], includeAuthorizedOperations: false }));
    await connection.idle();
    const { correlationId, body } = readResponse(socket.responses()[0], DescribeGroupsApi, 1, false);
    assert.equal(correlationId, 9);
    assert.deepEqual(body.groups?.map((g) => [g.groupId, g.errorCode]), [['a', -1], ['b', -1]]);
    assert.equal(socket.destroyed, false);
  });

  it('answers a failed produce per partition, naming each topic and partition of the request', async () => {
    const { socket, connection } = connect([served(ProduceApi, 0, 9, failing)]);
    const produce: ProduceRequest = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'orders', partitionData: [{ index: 0, records: null }, { index: 2, records: null }] },
        { name: 'audit', partitionData: [{ index: 1, records: null }] },
      ],
    };
    socket.receive(requestFrame(ProduceApi, 9, 5, produce));
    await connection.idle();
    const { body } = readResponse(socket.responses()[0], ProduceApi, 9, true);
    const answered = body.responses?.flatMap((t) => (t.partitionResponses ?? []).map((p) => [t.name, p.index, p.errorCode]));
    assert.deepEqual(answered, [['orders', 0, -1], ['orders', 2, -1], ['audit', 1, -1]]);
    assert.equal(socket.destroyed, false);
  });

  it('answers a failed metadata request per topic asked for', async () => {
    const { socket, connection } = connect([served(MetadataApi, 0, 12, failing)]);
    const topic = (name: string) => ({ name, topicId: '00000000-0000-0000-0000-000000000000' });
    socket.receive(requestFrame(MetadataApi, 9, 1, { topics: [topic('a'), topic('b')], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));
    await connection.idle();
    const { body } = readResponse(socket.responses()[0], MetadataApi, 9, true);
    assert.deepEqual(body.topics?.map((t) => [t.name, t.errorCode]), [['a', -1], ['b', -1]]);
  });

  it('closes the connection when an acks=0 produce fails (there is no response to carry the error)', async () => {
    const { socket, connection } = connect([served(ProduceApi, 0, 9, failing)]);
    socket.receive(requestFrame(ProduceApi, 7, 1, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [] }));
    await connection.idle();
    assert.equal(socket.destroyed, true);
    assert.equal(socket.responses().length, 0);
  });

  it('answers an unsupported version of a served API with UNSUPPORTED_VERSION, in the version asked for', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(requestFrame(FindCoordinatorApi, 3, 4, findCoordinator('1')));
    await connection.idle();
    const { correlationId, body } = readResponse(socket.responses()[0], FindCoordinatorApi, 3, true);
    assert.deepEqual([correlationId, body.errorCode], [4, ErrorCode.UNSUPPORTED_VERSION]);
    assert.equal(socket.destroyed, false);
  });

  it('answers an API it does not serve with UNSUPPORTED_VERSION when the spec gives it a top-level error code, else closes', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('1')));
    socket.receive(bareRequestFrame(17, 1, 2));
    await connection.idle();
    const frames = socket.responses();
    assert.equal(frames.length, 2);
    assert.deepEqual([frames[1].readInt32BE(0), frames[1].readInt16BE(4)], [2, ErrorCode.UNSUPPORTED_VERSION], 'SaslHandshake: correlation id, then its error code');
    socket.receive(bareRequestFrame(ProduceApi.apiKey, 3, 3));
    await connection.idle();
    assert.equal(socket.destroyed, true, 'Produce has no top-level error code: the connection closes');
  });

  it('answers ApiVersions of a version it does not know with a v0 body listing what it serves (KIP-511)', async () => {
    const { socket, connection } = connect([served(ApiVersionsApi, 0, 3, () => ({ errorCode: 0 })), served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.receive(bareRequestFrame(ApiVersionsApi.apiKey, 5, 11));
    await connection.idle();
    const { correlationId, body } = readResponse(socket.responses()[0], ApiVersionsApi, 0, false);
    assert.equal(correlationId, 11);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(body.apiKeys?.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[10, 0, 2], [18, 0, 3]]);
  });

  it('sends no response to an acks=0 produce and serves the next request', async () => {
    const { socket, connection, handled } = connect([served(ProduceApi, 0, 9, () => NO_RESPONSE), served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    const produce: ProduceRequest = { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [] };
    socket.receive(Buffer.concat([requestFrame(ProduceApi, 7, 1, produce), requestFrame(FindCoordinatorApi, FC_VERSION, 2, findCoordinator('5'))]));
    await connection.idle();
    assert.deepEqual(coordinatorResponses(socket).map((r) => r.correlationId), [2], 'only the second request is answered');
    assert.deepEqual(handled, [ProduceApi.apiKey, FindCoordinatorApi.apiKey]);
  });

  it('closes the connection when a frame is larger than the limit, before reading it', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)], { maxFrameBytes: 100, maxBufferedBytes: 100 });
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(101, 0);
    socket.receive(prefix);
    await connection.idle();
    assert.equal(socket.destroyed, true);
    assert.equal(socket.responses().length, 0);
  });

  it('waits for a full write buffer to drain before taking the next request', async () => {
    const { socket, connection } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
    socket.writableNeedDrain = true;
    socket.receive(Buffer.concat([requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('1')), requestFrame(FindCoordinatorApi, FC_VERSION, 2, findCoordinator('2'))]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(socket.responses().length, 1, 'the second waits for the drain');
    socket.drain();
    await connection.idle();
    assert.equal(socket.responses().length, 2);
  });

  it('hands a hot Produce its record batches as views of the pooled frame, which is given back once the handler is done', async () => {
    let records: Buffer | null = null;
    let pooled = false;
    const { socket, connection, memory } = connect([
      served(ProduceApi, 0, 9, (request) => {
        records = (request.body as ProduceRequest).topicData[0]!.partitionData[0]!.records;
        pooled = records !== null && memory.owns(records);
        return NO_RESPONSE;
      }, { pinsStoredBatches: false }),
    ]);
    const batch = Buffer.from('a record batch, as the producer sent it');
    const produce: ProduceRequest = { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }] };
    socket.receive(requestFrame(ProduceApi, 7, 1, produce));
    await connection.idle();
    assert.deepEqual(records, batch);
    assert.equal(pooled, true, 'a view of pooled memory, not a copy');
    assert.equal(memory.alloc(8).byteOffset, 0, 'nothing holds the slab any more: it starts over');
  });

  it('decodes other APIs from their own copy of the frame, so what they keep is not pooled memory', async () => {
    let key: string | undefined;
    const { socket, connection, memory } = connect([served(FindCoordinatorApi, 0, 2, (request) => {
      key = (request.body as FindCoordinatorRequest).key;
      return coordinatorAnswer(request);
    })]);
    socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('7')));
    await connection.idle();
    assert.equal(key, '7');
    assert.equal(memory.alloc(8).byteOffset, 0, 'the pooled frame was given back before the handler ran');
  });

  it('holds the pooled memory a Fetch answer points into until the answer is flushed to the socket', async () => {
    const { socket, connection, memory } = connect([
      served(FetchApi, 0, 12, (request) => {
        assert.ok(request.memoryPin !== undefined, 'the handler gets the pin');
        // The answer points into a stored batch, which retention drops while the answer is not flushed.
        const stored = memory.alloc(1000);
        request.memoryPin.hold(stored.buffer);
        memory.release(stored);
        return fetchAnswerOf(stored);
      }, { pinsStoredBatches: true }),
    ]);
    socket.holdWrites = true;
    socket.receive(requestFrame(FetchApi, 4, 1, EMPTY_FETCH));
    await connection.idle();
    assert.equal(socket.responses().length, 1);
    assert.equal(memory.stats().heldBackBytes, SLAB_BYTES, 'its slab held back while the response is not flushed');
    socket.flush();
    assert.equal(memory.stats().heldBackBytes, 0);
  });

  it('gives back the pin of a Fetch answer whose batches were copied into its frame (small batches) as it writes it, before the flush', async () => {
    const { socket, connection, memory } = connect([
      served(FetchApi, 0, 12, (request) => {
        const stored = memory.alloc(100);
        request.memoryPin?.hold(stored.buffer);
        memory.release(stored);
        stored.fill(7);
        return fetchAnswerOf(stored);
      }, { pinsStoredBatches: true }),
    ]);
    socket.holdWrites = true;
    socket.receive(requestFrame(FetchApi, 4, 1, EMPTY_FETCH));
    await connection.idle();
    assert.equal(memory.stats().heldBackBytes, 0, 'nothing of the slab is in the write');
    const [answer] = socket.responses();
    assert.ok(answer.subarray(answer.length - 100).every((byte) => byte === 7), 'the batch, copied into the answer');
  });

  it('gives back the frame and the pin of a hot request answered late, whether its promise resolves or rejects', async () => {
    const { socket, connection, memory } = connect([
      served(FetchApi, 0, 12, (request) => {
        if (request.header.correlationId === 1) throw new Error('parked fetch failed');
        return EMPTY_FETCH_RESPONSE;
      }, { pinsStoredBatches: true }),
    ]);
    socket.receive(Buffer.concat([requestFrame(FetchApi, 7, 1, EMPTY_FETCH), requestFrame(FetchApi, 7, 2, EMPTY_FETCH)]));
    await connection.idle();
    assert.deepEqual(socket.responses().map((r) => readResponse(r, FetchApi, 7, false)).map((r) => [r.correlationId, r.body.errorCode]), [[1, ErrorCode.UNKNOWN_SERVER_ERROR], [2, 0]]);
    socket.flush();
    assert.equal(memory.stats().heldBackBytes, 0, 'both pins released');
    assert.equal(memory.alloc(8).byteOffset, 0, 'both frames given back: the slab starts over');
  });

  describe('expiry', () => {
    const LIMITS = { idleMs: 60_000, requestTimeoutMs: 5_000 };

    it('expires a connection that trickles a frame byte by byte for request_timeout_ms, although it is never idle', () => {
      const { socket, connection, clock } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
      const frame = requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('slow'));
      let sent = 0;
      for (; sent < frame.length - 1 && connection.expiry(clock.nowMs(), LIMITS) === null; sent++) {
        socket.receive(frame.subarray(sent, sent + 1));
        clock.advance(1_000);
      }
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), 'request_timeout');
      assert.equal(sent, LIMITS.requestTimeoutMs / 1_000, 'one byte a second: expired after request_timeout_ms');
    });

    it('starts the clock again for each frame, so a steady client of whole frames never expires', async () => {
      const { socket, connection, clock } = connect([served(FindCoordinatorApi, 0, 2, coordinatorAnswer)]);
      for (let n = 1; n <= 10; n++) {
        const frame = requestFrame(FindCoordinatorApi, FC_VERSION, n, findCoordinator(String(n)));
        socket.receive(frame.subarray(0, 10));
        clock.advance(LIMITS.requestTimeoutMs - 1);
        socket.receive(frame.subarray(10));
        await connection.idle();
        assert.equal(connection.expiry(clock.nowMs(), LIMITS), null);
      }
      assert.equal(coordinatorResponses(socket).length, 10);
      clock.advance(LIMITS.idleMs);
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), 'idle');
    });

    it('does not count the time the socket is paused by read-ahead against a frame half received', async () => {
      const { slow, socket, connection, clock, more } = slowFirstRequest();
      const last = requestFrame(FindCoordinatorApi, FC_VERSION, 6, findCoordinator('6'));
      socket.receive(Buffer.concat([more, last.subarray(0, 5)]));
      assert.equal(socket.isPaused(), true);
      clock.advance(10 * LIMITS.requestTimeoutMs);
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), null, 'paused by the broker: not the client being slow');
      slow.resolve();
      await connection.idle();
      assert.equal(socket.isPaused(), false);
      clock.advance(LIMITS.requestTimeoutMs - 1);
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), null, 'a full request_timeout_ms from the resume');
      clock.advance(1);
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), 'request_timeout');
    });

    /** A connection whose Fetch answer, pointing into one slab, the socket holds (written, not flushed). */
    async function fetchAnswerHeld() {
      const held = connect([
        served(FetchApi, 0, 12, (request) => {
          const stored = held.memory.alloc(1000);
          request.memoryPin?.hold(stored.buffer);
          held.memory.release(stored);
          return fetchAnswerOf(stored);
        }, { pinsStoredBatches: true }),
      ]);
      held.socket.holdWrites = true;
      held.socket.receive(requestFrame(FetchApi, 4, 1, EMPTY_FETCH));
      await held.connection.idle();
      return held;
    }

    it('tells what a reader that leaves its Fetch answer unflushed holds, once not a byte has left for READER_STALL_MS; never expires it itself', async () => {
      const { socket, connection, clock } = await fetchAnswerHeld();
      assert.equal(connection.stalledAnswerBytes(clock.nowMs(), LIMITS.requestTimeoutMs), 0, 'just written');
      clock.advance(READER_STALL_MS);
      assert.equal(connection.stalledAnswerBytes(clock.nowMs(), LIMITS.requestTimeoutMs), SLAB_BYTES, 'the slab its answer points into');
      assert.equal(connection.expiry(clock.nowMs(), LIMITS), null, 'the transport decides (KafkaTransport.closeSlowReaders)');
      socket.flush();
      assert.equal(connection.stalledAnswerBytes(clock.nowMs(), LIMITS.requestTimeoutMs), 0, 'flushed: nothing held');
    });

    it('gives a reader whose answer keeps leaving request_timeout_ms before it counts as too slow', async () => {
      const { socket, connection, clock } = await fetchAnswerHeld();
      let moving = true;
      for (let waited = 0; waited < LIMITS.requestTimeoutMs; waited += READER_STALL_MS) {
        moving &&= connection.stalledAnswerBytes(clock.nowMs(), LIMITS.requestTimeoutMs) === 0;
        socket.leaveBytes(1);
        clock.advance(READER_STALL_MS);
      }
      assert.ok(moving, 'a byte left within every READER_STALL_MS: not stalled');
      assert.equal(connection.stalledAnswerBytes(clock.nowMs(), LIMITS.requestTimeoutMs), SLAB_BYTES, 'the answer not all out after request_timeout_ms');
    });
  });

  describe('back-pressure', () => {
    it('pauses once MAX_QUEUED_REQUESTS_PER_CONNECTION small requests wait behind a slow one, and answers them all', async () => {
      const slow = deferred<void>();
      const { socket, connection } = connect([
        served(FindCoordinatorApi, 0, 2, async (request) => {
          if ((request.body as FindCoordinatorRequest).key === '0') await slow.promise;
          return coordinatorAnswer(request);
        }),
      ]);
      socket.receive(requestFrame(FindCoordinatorApi, FC_VERSION, 0, findCoordinator('0')));
      const count = MAX_QUEUED_REQUESTS_PER_CONNECTION + 20;
      const small = Array.from({ length: count }, (_, i) => requestFrame(FindCoordinatorApi, FC_VERSION, i + 1, findCoordinator(String(i + 1))));
      let sent = 0;
      for (; sent < count && !socket.isPaused(); sent++) socket.receive(small[sent]!);
      assert.equal(sent, MAX_QUEUED_REQUESTS_PER_CONNECTION, 'paused at the bound, though far under the byte bound');
      slow.resolve();
      await connection.idle();
      assert.equal(socket.isPaused(), false);
      socket.receive(Buffer.concat(small.slice(sent)));
      await connection.idle();
      assert.equal(coordinatorResponses(socket).length, count + 1);
    });

    it('pauses a connection whose next frame does not fit in the shared budget, and resumes it once another frame is handled', async () => {
      const frameA = requestFrame(FindCoordinatorApi, FC_VERSION, 1, findCoordinator('a'.repeat(200)));
      const frameB = requestFrame(FindCoordinatorApi, FC_VERSION, 2, findCoordinator('b'.repeat(200)));
      const requestBudget = new RequestBudget(frameA.length + 100);
      const limits = { maxFrameBytes: 1024 * 1024, maxBufferedBytes: 1024 * 1024, requestBudget };
      const apis = [served(FindCoordinatorApi, 0, 2, coordinatorAnswer)];
      const a = connect(apis, limits);
      const b = connect(apis, limits);
      a.socket.receive(frameA.subarray(0, 50));
      b.socket.receive(frameB.subarray(0, 50));
      assert.deepEqual([a.socket.isPaused(), b.socket.isPaused()], [false, true], 'b waits for room, reading nothing more');
      a.socket.receive(frameA.subarray(50));
      await a.connection.idle();
      await settle();
      assert.equal(b.socket.isPaused(), false, 'a frame handled made room: b reads on');
      b.socket.receive(frameB.subarray(50));
      await b.connection.idle();
      assert.deepEqual([a, b].map(({ socket }) => coordinatorResponses(socket).map((r) => r.correlationId)), [[1], [2]]);
      assert.equal(requestBudget.usedBytes, 0);
    });
  });
});
