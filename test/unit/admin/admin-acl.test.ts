/**
 * The REST admin under the authorizer (admin-acl.ts): the authenticated principal's ACLs
 * (admin-authentication.test.ts finds the principal), which ACL each route needs, broker-wide
 * rules for routes the table does not name, unchecked probes and documents, and nothing
 * checked while the authorizer is off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminAuthorization, type RestRequest } from '../../../src/admin/http/admin-acl.js';
import { AclOperation as Op, anonymousAcl, authorizerFor, ResourceType as R } from '../kafka/authorizer-support.js';

function rest(over: Partial<RestRequest>): RestRequest {
  return { method: 'GET', route: '/api/v1/topics/:topic', params: { topic: 'orders' }, query: {}, body: undefined, principal: 'User:ANONYMOUS', ip: '127.0.0.1', ...over };
}

async function setUp(options: { enabled?: boolean } = {}) {
  const { authorizer, store } = authorizerFor({ enabled: options.enabled ?? true });
  return { store, check: new AdminAuthorization(authorizer) };
}

describe('REST admin authorization', () => {
  it('checks nothing while the authorizer is off', async () => {
    const { check } = await setUp({ enabled: false });
    assert.equal(check.refusal(rest({ method: 'DELETE' })), null);
  });

  it('needs the route\'s operation on the named topic, as User:ANONYMOUS without a token', async () => {
    const { check, store } = await setUp();
    assert.match(check.refusal(rest({})) ?? '', /User:ANONYMOUS is not authorized for DESCRIBE on TOPIC 'orders'/);
    await store.add([anonymousAcl(R.TOPIC, 'orders', Op.READ)]);
    assert.equal(check.refusal(rest({})), null, 'Read implies Describe');
    assert.notEqual(check.refusal(rest({ method: 'POST', route: '/api/v1/topics/:topic/records' })), null, 'producing needs Write');
    assert.equal(check.refusal(rest({ route: '/api/v1/topics/:topic/partitions/:partition/records' })), null, 'reading records needs Read');
  });

  it('reads the topic from the body of POST /produce and the query of GET /fetch', async () => {
    const { check, store } = await setUp();
    await store.add([anonymousAcl(R.TOPIC, 'orders', Op.WRITE)]);
    assert.equal(check.refusal(rest({ method: 'POST', route: '/produce', params: {}, body: { topic: 'orders', value: 'x' } })), null);
    assert.notEqual(check.refusal(rest({ method: 'POST', route: '/produce', params: {}, body: { topic: 'payments', value: 'x' } })), null);
    assert.notEqual(check.refusal(rest({ route: '/fetch', params: {}, query: { topic: 'orders' } })), null, 'Write does not grant Read');
  });

  it('checks the ACLs of the principal the request authenticated as', async () => {
    const { check, store } = await setUp();
    await store.add([{ ...anonymousAcl(R.GROUP, 'billing', Op.DELETE), principal: 'User:ops' }]);
    const remove = rest({ method: 'DELETE', route: '/api/v1/groups/:groupId', params: { groupId: 'billing' }, principal: 'User:ops' });
    assert.equal(check.refusal(remove), null);
    assert.match(check.refusal({ ...remove, principal: 'User:ANONYMOUS' }) ?? '', /User:ANONYMOUS is not authorized for DELETE on GROUP 'billing'/);
  });

  it('treats other routes as broker-wide and leaves probes and documents alone', async () => {
    const { check, store } = await setUp();
    assert.match(check.refusal(rest({ route: '/dump', params: {} })) ?? '', /DESCRIBE on CLUSTER 'kafka-cluster'/);
    assert.match(check.refusal(rest({ method: 'POST', route: '/api/v1/plugins/:name/reload', params: { name: 'p' } })) ?? '', /ALTER on CLUSTER/);
    assert.match(check.refusal(rest({ method: 'POST', route: '/purge', params: {}, body: { topic: 'orders' } })) ?? '', /DELETE on TOPIC 'orders'/);
    for (const route of ['/health/ready', '/prometheus', '/docs-json', '/dashboard/:asset']) assert.equal(check.refusal(rest({ route, params: {} })), null, route);
    await store.add([anonymousAcl(R.CLUSTER, 'kafka-cluster', Op.DESCRIBE)]);
    assert.equal(check.refusal(rest({ route: '/dump', params: {} })), null);
  });
});
