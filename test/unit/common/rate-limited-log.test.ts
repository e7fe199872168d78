/**
 * Unit tests of the transport's bounded warnings (fake clock): one line per kind per
 * interval, kinds counted apart, and the next line says how many were left out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { KafkaConnection } from '../../../src/kafka/transport/kafka-connection.js';
import { ApiRegistry } from '../../../src/kafka/transport/api-registry.js';
import { LOG_INTERVAL_MS, RateLimitedLog } from '../../../src/common/rate-limited-log.js';
import { BatchMemory, batchMemoryLimitsFor } from '../../../src/storage/batch-memory.js';
import { FakeClock } from '../../support/fake-clock.js';
import { FakeSocket } from '../../support/fake-socket.js';

function recorder() {
  const lines: string[] = [];
  return { lines, logger: { warn: (message: string) => lines.push(message) } };
}

describe('RateLimitedLog (fake clock)', () => {
  it('logs one line per kind per interval, then says how many were left out', () => {
    const clock = new FakeClock();
    const { lines, logger } = recorder();
    const log = new RateLimitedLog(logger, clock);
    for (let i = 0; i < 1000; i++) log.warn('malformed-request', `bad frame ${i}`);
    log.warn('idle', 'idle connection closed');
    assert.deepEqual(lines, ['bad frame 0', 'idle connection closed']);
    clock.advance(LOG_INTERVAL_MS - 1);
    log.warn('malformed-request', 'still within the interval');
    assert.equal(lines.length, 2);
    clock.advance(1);
    log.warn('malformed-request', 'bad frame later');
    assert.deepEqual(lines.slice(2), ['bad frame later (and 1000 more of this kind since the last such line)']);
  });

  it('bounds the lines of many connections sending garbage to one', () => {
    const clock = new FakeClock();
    const { lines, logger } = recorder();
    const noise = new RateLimitedLog(logger, clock);
    const memory = new BatchMemory(batchMemoryLimitsFor(1 << 20));
    const sockets: FakeSocket[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = new FakeSocket();
      sockets.push(socket);
      new KafkaConnection(socket, new ApiRegistry(), { maxFrameBytes: 1024, maxBufferedBytes: 1024 }, new Logger('test'), { requestHandled: () => undefined }, clock, memory, { noise });
      socket.receive(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    }
    assert.ok(sockets.every((socket) => socket.destroyed), 'every oversized frame closes its connection');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /frame size 2147483647 is outside/);
  });
});
