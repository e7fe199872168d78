/** The REST route table answers which methods a request path is served with (the 405 answer's Allow header). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpRouteTable } from '../../../src/admin/http/route-table.js';

describe('HttpRouteTable.allowedMethods', () => {
  const table = new HttpRouteTable();
  table.record(['GET', 'HEAD'], '/api/v1/topics/:topic');
  table.record('DELETE', '/api/v1/topics/:topic');
  table.record('POST', '/api/v1/topics/:topic/records');
  table.record('GET', '/docs/*');

  it('lists the methods of every pattern the path matches, HEAD with GET', () => {
    assert.deepEqual(table.allowedMethods('/api/v1/topics/orders'), ['DELETE', 'GET', 'HEAD']);
    assert.deepEqual(table.allowedMethods('/api/v1/topics/orders/records'), ['POST']);
    assert.deepEqual(table.allowedMethods('/docs/swagger-ui.css'), ['GET', 'HEAD']);
  });

  it('is empty for a path no route has (a 404, not a 405)', () => {
    assert.deepEqual(table.allowedMethods('/api/v1/topics'), []);
    assert.deepEqual(table.allowedMethods('/api/v1/topics/orders/records/extra'), []);
    assert.deepEqual(table.allowedMethods('/api/v1/topicsX/orders'), []);
  });

  it('sees routes recorded after a first look-up', () => {
    table.record('GET', '/api/v1/groups');
    assert.deepEqual(table.allowedMethods('/api/v1/groups'), ['GET', 'HEAD']);
  });
});
