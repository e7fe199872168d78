/**
 * Unit tests of the transport on a fake clock and fake sockets: close() waits at most
 * SHUTDOWN_GRACE_MS for a request in flight, and at once when none is; connections quiet for
 * connections_max_idle_ms are closed (not while a request is in progress) and counted; new
 * connections over max_connections_per_ip are closed before a byte is read, logged once a
 * minute at most, and counted.
 */
import assert from 'node:assert/strict';
import { MemoryAccountant, memoryLimitsFor } from '../../../src/storage/memory-accountant.js';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { SaslMechanisms } from '../../../src/authentication/sasl-servers.js';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { loadSettings } from '../../../src/config/settings.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import type { KafkaProbe } from '../../../src/kafka/kafka.probe.js';
import { ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import { EXPIRY_SWEEP_MS, KafkaTransport, SHUTDOWN_GRACE_MS } from '../../../src/kafka/transport/kafka-transport.js';
import { FindCoordinatorApi } from '../../../src/wire/messages/10-find-coordinator.js';
import { FetchApi } from '../../../src/wire/messages/01-fetch.js';
import { SLAB_BYTES } from '../../../src/storage/batch-memory.js';
import type { KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { FakeSocket, requestFrame } from '../../support/fake-socket.js';
import { servedNow } from '../../support/served-api.js';

Logger.overrideLogger(false);

const closedByBroker: string[] = [];
const quietProbe = {
  connectionOpened: () => undefined,
  connectionClosed: () => undefined,
  requestHandled: () => undefined,
  connectionClosedByBroker: (reason: string) => closedByBroker.push(reason),
} as unknown as KafkaProbe;

/** A transport with one open connection (a fake socket) whose FindCoordinator handler never answers when `hang`. */
function transportWithConnection(hang: boolean, env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const registry = new ApiRegistry();
  registry.register(servedNow(FindCoordinatorApi, 0, 2, () => (hang ? new Promise(() => undefined) : Promise.resolve({ errorCode: 0 }))));
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const transport = new KafkaTransport(config, registry, new FetchParking(clock), quietProbe, new ListenerStatus(), clock, new MemoryAccountant(memoryLimitsFor(1 << 20), clock), null as never, new SaslMechanisms(config, new ScramCredentialStore(config), new DelegationTokenStore(config, clock), clock));
  const socket = new FakeSocket();
  // accept() is how the listener hands over a socket; no listener is bound here.
  transport['accept'](socket as never, config.listeners[0]!, null);
  socket.receive(requestFrame(FindCoordinatorApi, 2, 1, { key: 'g', keyType: 0, coordinatorKeys: [] }));
  return { clock, transport, socket, accept: (another: FakeSocket) => transport['accept'](another as never, config.listeners[0]!, null) };
}

describe('KafkaTransport.close (fake clock)', () => {
  it('waits SHUTDOWN_GRACE_MS for a request still in flight, then closes its socket', async () => {
    const { clock, transport, socket } = transportWithConnection(true);
    let closed = false;
    void transport.close().then(() => (closed = true));
    await clock.advanceAndSettle(SHUTDOWN_GRACE_MS - 1);
    assert.deepEqual([closed, socket.destroyed], [false, false], 'still within the grace period');
    await clock.advanceAndSettle(1);
    assert.deepEqual([closed, socket.destroyed], [true, true]);
  });

  it('closes at once when every connection is idle, cancelling the grace timer', async () => {
    const { clock, transport, socket } = transportWithConnection(false);
    await settle();
    await transport.close();
    assert.equal(socket.destroyed, true);
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('KafkaTransport connection expiry (fake clock)', () => {
  const IDLE_MS = 10_000;

  it('closes a connection with no bytes in or out for connections_max_idle_ms, and counts it', async () => {
    const { clock, transport, socket, accept } = transportWithConnection(false, { CONNECTIONS_MAX_IDLE_MS: String(IDLE_MS) });
    await settle();
    const quiet = new FakeSocket();
    accept(quiet);
    closedByBroker.length = 0;
    clock.advance(IDLE_MS - EXPIRY_SWEEP_MS);
    assert.deepEqual([socket.destroyed, quiet.destroyed], [false, false], 'not idle long enough yet');
    quiet.receive(requestFrame(FindCoordinatorApi, 2, 2, { key: 'g', keyType: 0, coordinatorKeys: [] }));
    await settle();
    clock.advance(2 * EXPIRY_SWEEP_MS);
    assert.deepEqual([socket.destroyed, quiet.destroyed], [true, false], 'the connection that spoke lately stays');
    assert.deepEqual(closedByBroker, ['idle']);
    clock.advance(IDLE_MS);
    assert.equal(quiet.destroyed, true);
    await transport.close();
  });

  it('keeps a connection whose request is still in progress, however long it takes', async () => {
    const { clock, transport, socket } = transportWithConnection(true, { CONNECTIONS_MAX_IDLE_MS: String(IDLE_MS) });
    await settle();
    clock.advance(3 * IDLE_MS);
    assert.equal(socket.destroyed, false);
    void transport.close();
    await clock.advanceAndSettle(SHUTDOWN_GRACE_MS);
    assert.equal(socket.destroyed, true);
  });
});

describe('KafkaTransport connection limits (fake sockets)', () => {
  it('closes new connections over max_connections_per_ip at once, with one log line per minute, and admits after a close', async () => {
    const warnings: string[] = [];
    const warn = Logger.prototype.warn;
    Logger.prototype.warn = function (message: unknown) {
      warnings.push(String(message));
    };
    try {
      const { transport, socket, accept } = transportWithConnection(false, { MAX_CONNECTIONS_PER_IP: '2', MAX_CONNECTIONS_PER_IP_OVERRIDES: '10.1.1.1:0' });
      await settle();
      closedByBroker.length = 0;
      const second = new FakeSocket();
      const third = new FakeSocket();
      const fourth = new FakeSocket();
      const elsewhere = new FakeSocket('10.0.0.2');
      const overridden = new FakeSocket('10.1.1.1');
      for (const s of [second, third, fourth, elsewhere, overridden]) accept(s);
      assert.deepEqual([second, third, fourth, elsewhere, overridden].map((s) => s.destroyed), [false, true, true, false, true]);
      assert.deepEqual(closedByBroker, ['max_connections_per_ip', 'max_connections_per_ip', 'max_connections_per_ip']);
      const refusals = warnings.filter((line) => line.startsWith('refused'));
      assert.equal(refusals.length, 1, 'one line for the three refusals');
      assert.match(refusals[0]!, /refused a connection from 127\.0\.0\.1: 127\.0\.0\.1 already has the configured maximum of 2 connections/);
      socket.destroy();
      const again = new FakeSocket();
      accept(again);
      assert.equal(again.destroyed, false, 'a slot is free again');
      await transport.close();
    } finally {
      Logger.prototype.warn = warn;
    }
  });
});

describe('KafkaTransport slow readers (fake clock)', () => {
  /**
   * A transport (max_memory `maxMemory`) whose Fetch answers each hold `maxBytes` slabs of its
   * pool (the stored batches they point into, dropped meanwhile), written to sockets that never
   * take them.
   */
  function readers(maxMemory: string, slabsEach: number[]) {
    const clock = new FakeClock();
    const accountant = new MemoryAccountant(memoryLimitsFor(64 << 20), clock);
    const registry = new ApiRegistry();
    registry.register({
      codec: FetchApi,
      minVersion: 4,
      maxVersion: 4,
      advertised: true,
      invoke: (invoked) => {
        const request = invoked as KafkaRequest<{ maxBytes: number }>;
        const records: Buffer[] = [];
        for (let i = 0; i < request.body.maxBytes; i++) {
          const stored = accountant.memory.alloc(SLAB_BYTES);
          request.memoryPin?.hold(stored.buffer);
          accountant.memory.release(stored);
          records.push(stored);
        }
        // The answer points into them (an answer of one chunk points into nothing: its pin goes as it is written).
        const partitions = [{ partitionIndex: 0, errorCode: 0, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0, abortedTransactions: null, records }];
        return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', partitions }] };
      },
      refuse: (body, errorCode) => FetchApi.errorResponse(body as never, errorCode),
      hotPath: { pinsStoredBatches: true } as never,
    });
    const config = loadSettings({ argv: [], env: { MAX_MEMORY: maxMemory }, cwd: '/nonexistent-dir-for-tests' });
    const transport = new KafkaTransport(config, registry, new FetchParking(clock), quietProbe, new ListenerStatus(), clock, accountant, null as never, new SaslMechanisms(config, new ScramCredentialStore(config), new DelegationTokenStore(config, clock), clock));
    const sockets = slabsEach.map((slabs, i) => {
      const socket = new FakeSocket();
      socket.holdWrites = true;
      transport['accept'](socket as never, config.listeners[0]!, null);
      socket.receive(requestFrame(FetchApi, 4, i + 1, { clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: slabs, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: '' }));
      return socket;
    });
    return { clock, transport, sockets, accountant };
  }

  it('closes the stalled readers holding the most, only while memory held for unread answers is past max_memory, until it is back under', async () => {
    // 8 MiB: five slabs (10 MiB) held by one reader, one (2 MiB) by another, 12 MiB in all.
    const { clock, transport, sockets, accountant } = readers(String(8 * 1024 * 1024), [1, 5, 1]);
    await settle();
    assert.equal(accountant.memory.heldBackBytes, 7 * SLAB_BYTES);
    sockets[2]!.flush();
    closedByBroker.length = 0;
    clock.advance(2 * EXPIRY_SWEEP_MS);
    assert.deepEqual(sockets.map((s) => s.destroyed), [false, true, false], 'the reader holding 10 MiB goes; the one holding 2 MiB stays');
    assert.deepEqual(closedByBroker, ['slow_reader']);
    await transport.close();
  });

  it('leaves stalled readers alone while what they hold is within max_memory', async () => {
    const { clock, transport, sockets, accountant } = readers(String(16 * 1024 * 1024), [5, 2]);
    await settle();
    assert.equal(accountant.memory.heldBackBytes, 7 * SLAB_BYTES);
    closedByBroker.length = 0;
    clock.advance(5 * EXPIRY_SWEEP_MS);
    assert.deepEqual(sockets.map((s) => s.destroyed), [false, false]);
    assert.deepEqual(closedByBroker, []);
    for (const socket of sockets) socket.flush();
    assert.equal(accountant.memory.heldBackBytes, 0, 'flushed: nothing held');
    await transport.close();
  });
});
