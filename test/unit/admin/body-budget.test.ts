/**
 * Unit tests of the bound on REST request bodies held at once (body-budget.ts), on fake
 * Fastify requests and replies: declared sizes are reserved until the response closes, a body
 * that does not fit is answered 429 with Retry-After, one body always fits, requests without
 * a body are never refused, a chunked body counts as the body limit.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_BODY_RETRY_AFTER_S, bodyBudgetHook } from '../../../src/admin/http/body-budget.js';
import { ADMIN_BODY_LIMIT_BYTES } from '../../../src/admin/http/limits.js';

class FakeReply {
  readonly raw = new EventEmitter();
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  sent: unknown = undefined;

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  send(body: unknown): this {
    this.sent = body;
    return this;
  }
}

/** Runs the hook on a request with these headers; returns its reply. */
async function arrive(hook: ReturnType<typeof bodyBudgetHook>['hook'], headers: Record<string, string>): Promise<FakeReply> {
  const reply = new FakeReply();
  await hook({ headers } as unknown as FastifyRequest, reply as unknown as FastifyReply);
  return reply;
}

describe('bodyBudgetHook', () => {
  it('holds declared body sizes until their responses close, and answers 429 with Retry-After past the bound', async () => {
    const budget = bodyBudgetHook(1_000);
    const first = await arrive(budget.hook, { 'content-length': '600' });
    const second = await arrive(budget.hook, { 'content-length': '400' });
    assert.equal(budget.heldBytes(), 1_000);
    const refused = await arrive(budget.hook, { 'content-length': '1' });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], String(ADMIN_BODY_RETRY_AFTER_S));
    assert.match((refused.sent as { message: string }).message, /too many request bodies at once/);
    refused.raw.emit('close');
    assert.equal(budget.heldBytes(), 1_000, 'a refused request held nothing');
    first.raw.emit('close');
    assert.equal(budget.heldBytes(), 400);
    assert.equal((await arrive(budget.hook, { 'content-length': '600' })).sent, undefined, 'room again once a response closed');
    second.raw.emit('close');
  });

  it('always takes one body, never refuses a request without one, and counts a chunked body as the body limit', async () => {
    const budget = bodyBudgetHook(1_000);
    const large = await arrive(budget.hook, { 'content-length': String(ADMIN_BODY_LIMIT_BYTES * 4) });
    assert.equal(large.sent, undefined, 'one body fits whatever its size');
    assert.equal(budget.heldBytes(), ADMIN_BODY_LIMIT_BYTES, 'a declared size counts up to the body limit (Fastify answers 413 past it)');
    assert.equal((await arrive(budget.hook, {})).sent, undefined, 'no body: never refused');
    assert.equal((await arrive(budget.hook, { 'content-length': '0' })).sent, undefined);
    large.raw.emit('close');
    const chunked = await arrive(budget.hook, { 'transfer-encoding': 'chunked' });
    assert.equal(budget.heldBytes(), ADMIN_BODY_LIMIT_BYTES);
    chunked.raw.emit('close');
    assert.equal(budget.heldBytes(), 0);
  });
});
