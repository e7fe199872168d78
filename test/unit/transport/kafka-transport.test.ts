/**
 * Unit tests of the transport's shutdown on a fake clock and a fake socket: close() waits
 * at most SHUTDOWN_GRACE_MS for a request in flight, and at once when none is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { loadSettings } from '../../../src/config/settings.js';
import { FetchParking } from '../../../src/fetch/fetch-parking.js';
import type { KafkaProbe } from '../../../src/kafka/kafka.probe.js';
import { ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import { KafkaTransport, SHUTDOWN_GRACE_MS } from '../../../src/kafka/transport/kafka-transport.js';
import { FindCoordinatorApi } from '../../../src/wire/messages/10-find-coordinator.js';
import { FakeClock, settle } from '../../support/fake-clock.js';
import { FakeSocket, requestFrame } from '../../support/fake-socket.js';

Logger.overrideLogger(false);

const quietProbe = { connectionOpened: () => undefined, connectionClosed: () => undefined, requestHandled: () => undefined } as unknown as KafkaProbe;

/** A transport with one open connection (a fake socket) whose FindCoordinator handler never answers when `hang`. */
function transportWithConnection(hang: boolean) {
  const clock = new FakeClock();
  const registry = new ApiRegistry();
  registry.register({
    codec: FindCoordinatorApi,
    minVersion: 0,
    maxVersion: 2,
    advertised: true,
    invoke: () => (hang ? new Promise(() => undefined) : Promise.resolve({ errorCode: 0 })),
    refuse: (body, errorCode) => FindCoordinatorApi.errorResponse(body as never, errorCode),
  });
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  const transport = new KafkaTransport(config, registry, new FetchParking(clock), quietProbe, new ListenerStatus(), clock, new ScramCredentialStore(config));
  const socket = new FakeSocket();
  // accept() is how the listener hands over a socket; no listener is bound here.
  transport['accept'](socket as never, config.listeners[0]!, null);
  socket.receive(requestFrame(FindCoordinatorApi, 2, 1, { key: 'g', keyType: 0, coordinatorKeys: [] }));
  return { clock, transport, socket };
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
