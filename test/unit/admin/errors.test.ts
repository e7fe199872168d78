import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { AdminExceptionFilter } from '../../../src/admin/http/errors.js';
import { LOG_INTERVAL_MS } from '../../../src/common/rate-limited-log.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A logger that keeps what the filter logged. */
class RecordingLog {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(message: string): void {
    this.errors.push(message);
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  debug(): void {}
}

const silent = new RecordingLog();

/** The filter's answer: status and body, through a stand-in Fastify reply. */
function answer(exception: unknown, filter = new AdminExceptionFilter(2048, new FakeClock(), silent)): { status: number; body: unknown } {
  const sent = { status: 0, body: undefined as unknown };
  const reply = {
    sent: false,
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header() {
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  filter.catch(exception, host);
  return sent;
}

describe('REST error answers', () => {
  it('are JSON bodies with the status, its name and the message', () => {
    assert.deepEqual(answer(new NotFoundException("topic 'x' does not exist")), {
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: "topic 'x' does not exist" },
    });
    assert.deepEqual(answer(new BadRequestException({ message: 'invalid topic configs: a; b', details: ['a', 'b'] })).body, {
      statusCode: 400, error: 'Bad Request', message: 'invalid topic configs: a; b', details: ['a', 'b'],
    });
  });

  it('say which limit a too-large body broke, and keep the message of a too-large batch', () => {
    const fastifyError = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    assert.deepEqual(answer(new HttpException('Request body is too large', 413, { cause: fastifyError })).body, {
      statusCode: 413, error: 'Payload Too Large', message: 'request body exceeds the 2048-byte limit of the REST API',
    });
    assert.equal((answer(new PayloadTooLargeException({ message: 'record batch of 2100 bytes exceeds max.message.bytes 1024' })).body as { message: string }).message,
      'record batch of 2100 bytes exceeds max.message.bytes 1024');
  });

  it('hide the internals of unexpected errors (500)', () => {
    const { status, body } = answer(new TypeError('secret internals'));
    assert.equal(status, 500);
    assert.equal(JSON.stringify(body).includes('secret'), false);
  });

  it('leave a request its client aborted unanswered (Node: ECONNRESET "aborted"), not a 500', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    assert.deepEqual(answer(aborted), { status: 0, body: undefined });
  });

  it('pass a failed health check report through unchanged, details included', () => {
    const report = { status: 'error', info: {}, error: { storage: { status: 'down', message: 'recovering' } }, details: { storage: { status: 'down', message: 'recovering' } } };
    assert.deepEqual(answer(new ServiceUnavailableException(report)), { status: 503, body: report });
  });

  it('log an unexpected error with its stack, every time', () => {
    const log = new RecordingLog();
    const filter = new AdminExceptionFilter(2048, new FakeClock(), log);
    answer(new TypeError('bug one'), filter);
    answer(new TypeError('bug two'), filter);
    assert.equal(log.errors.length, 2);
    assert.match(log.errors[0]!, /TypeError: bug one\n\s+at /);
    assert.deepEqual(log.warnings, []);
  });

  it('log a deliberate 503 (memory full, recovering) as one warning a minute without a stack, counting the others', () => {
    const log = new RecordingLog();
    const clock = new FakeClock();
    const filter = new AdminExceptionFilter(2048, clock, log);
    for (let i = 0; i < 1000; i++) assert.equal(answer(new ServiceUnavailableException('the memory tier is full'), filter).status, 503);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.warnings, ['a REST request was refused with 503: the memory tier is full']);
    clock.advance(LOG_INTERVAL_MS);
    answer(new ServiceUnavailableException('the memory tier is full'), filter);
    assert.equal(log.warnings.length, 2);
    assert.match(log.warnings[1]!, /and 999 more of this kind/);
  });
});
