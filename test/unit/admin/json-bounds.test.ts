/**
 * The shape bounds of REST bodies (src/admin/http/json-bounds.ts): what the DTOs accept
 * passes, nesting, long arrays and object floods are named, and the walk stays cheap on the
 * largest body the REST limit lets through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_JSON_BOUNDS, jsonBoundsProblem } from '../../../src/admin/http/json-bounds.js';

/** Generous for a shared 2-core machine under load (a quiet one walks it in ~5 ms); class-validator takes seconds on such a body. */
const WALK_BUDGET_MS = 500;

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('REST body shape bounds', () => {
  it('passes the largest produce body the DTOs accept: 1,000 records with headers', () => {
    const records = Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i}`, value: 'v', headers: [{ key: 'h', value: null }, { key: 'h2', value: 'x' }] }));
    assert.equal(jsonBoundsProblem({ topic: 't', records }, ADMIN_JSON_BOUNDS), null);
    assert.equal(jsonBoundsProblem(undefined, ADMIN_JSON_BOUNDS), null, 'no body');
    assert.equal(jsonBoundsProblem('text', ADMIN_JSON_BOUNDS), null, 'a scalar');
  });

  it('names the excess: nesting, a long array, too many objects', () => {
    assert.equal(jsonBoundsProblem(nested(ADMIN_JSON_BOUNDS.depthMax), ADMIN_JSON_BOUNDS), null);
    assert.match(jsonBoundsProblem(nested(ADMIN_JSON_BOUNDS.depthMax + 1), ADMIN_JSON_BOUNDS) ?? '', /deeper than 8 levels/);
    assert.match(jsonBoundsProblem(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), ADMIN_JSON_BOUNDS) ?? '', /deeper than 8/);
    assert.match(jsonBoundsProblem({ records: new Array(1_001).fill(0) }, ADMIN_JSON_BOUNDS) ?? '', /has 1001 elements, more than 1000/);
    const flood = { a: Array.from({ length: 1_000 }, () => Array.from({ length: 30 }, () => ({}))) };
    assert.match(jsonBoundsProblem(flood, ADMIN_JSON_BOUNDS) ?? '', /more than 20000 JSON objects and arrays/);
  });

  it('walks the worst 2 MiB body quickly, stopping at the first excess', () => {
    const body = JSON.parse(`{"records":[${Array.from({ length: 1_000 }, () => `[${new Array(170).fill('{}').join(',')}]`).join(',')}]}`);
    const started = performance.now();
    assert.notEqual(jsonBoundsProblem(body, ADMIN_JSON_BOUNDS), null);
    assert.ok(performance.now() - started < WALK_BUDGET_MS, `walk took ${performance.now() - started} ms`);
  });
});
