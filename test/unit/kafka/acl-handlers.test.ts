/**
 * DescribeAcls, CreateAcls and DeleteAcls (keys 29-31) as the transport calls them:
 * SECURITY_DISABLED with the authorizer off, CLUSTER_AUTHORIZATION_FAILED without Describe /
 * Alter on the cluster, INVALID_REQUEST per bad binding or filter (the others still apply),
 * a failed save reported with nothing stored, and every answer encodable in v0-3.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateAclsHandler } from '../../../src/kafka/handlers/30-create-acls.handler.js';
import { DescribeAclsHandler } from '../../../src/kafka/handlers/29-describe-acls.handler.js';
import { DeleteAclsHandler } from '../../../src/kafka/handlers/31-delete-acls.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import type { CreateAclsRequestAclCreation } from '../../../src/wire/messages/30-create-acls.js';
import type { DescribeAclsRequest } from '../../../src/wire/messages/29-describe-acls.js';
import { AclOperation, anonymousAcl, authorizerFor, type AuthorizerSettings, PermissionType, ResourceType } from './authorizer-support.js';
import { encodesInEveryVersion, registration, request } from './support.js';

const READ_ORDERS: CreateAclsRequestAclCreation = {
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  resourcePatternType: 3,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permissionType: PermissionType.ALLOW,
};
const ANY_FILTER: DescribeAclsRequest = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: null,
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: PermissionType.ANY,
};
const SUPER: AuthorizerSettings = { superUsers: ['User:ANONYMOUS'] };

function handlers(settings: AuthorizerSettings) {
  const { authorizer, store, fs } = authorizerFor(settings);
  return {
    store,
    fs,
    describe: new DescribeAclsHandler(authorizer, store),
    create: new CreateAclsHandler(authorizer, store),
    remove: new DeleteAclsHandler(authorizer, store),
  };
}

describe('ACL APIs (keys 29-31)', () => {
  it('answer SECURITY_DISABLED when the authorizer is off', async () => {
    const h = handlers({ enabled: false });
    assert.equal((await h.describe.describeAcls(request(1, ANY_FILTER))).errorCode, ErrorCode.SECURITY_DISABLED);
    assert.equal((await h.create.createAcls(request(1, { creations: [READ_ORDERS] }))).results![0]!.errorCode, ErrorCode.SECURITY_DISABLED);
    assert.equal((await h.remove.deleteAcls(request(1, { filters: [ANY_FILTER] }))).filterResults![0]!.errorCode, ErrorCode.SECURITY_DISABLED);
    assert.equal(h.store.size, 0);
  });

  it('answer CLUSTER_AUTHORIZATION_FAILED without Describe / Alter on the cluster', async () => {
    const h = handlers({});
    assert.equal((await h.describe.describeAcls(request(1, ANY_FILTER))).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal((await h.create.createAcls(request(1, { creations: [READ_ORDERS] }))).results![0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal((await h.remove.deleteAcls(request(1, { filters: [ANY_FILTER] }))).filterResults![0]!.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal(h.store.size, 0);
  });

  it('let a principal with Alter on the cluster create ACLs, and Describe (implied by Alter) list them', async () => {
    const h = handlers({});
    await h.store.add([anonymousAcl(ResourceType.CLUSTER, 'kafka-cluster', AclOperation.ALTER)]);
    const created = await h.create.createAcls(request(1, { creations: [READ_ORDERS] }));
    assert.equal(created.results![0]!.errorCode, ErrorCode.NONE);
    const described = await h.describe.describeAcls(request(1, { ...ANY_FILTER, resourceTypeFilter: ResourceType.TOPIC }));
    assert.equal(described.errorCode, ErrorCode.NONE);
    assert.deepEqual(described.resources, [
      { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: 3, acls: [{ principal: 'User:alice', host: '*', operation: AclOperation.READ, permissionType: PermissionType.ALLOW }] },
    ]);
  });

  it('refuse each invalid binding with INVALID_REQUEST and store the valid ones', async () => {
    const h = handlers(SUPER);
    const bad: CreateAclsRequestAclCreation[] = [
      { ...READ_ORDERS, resourceType: ResourceType.ANY },
      { ...READ_ORDERS, resourcePatternType: 2 },
      { ...READ_ORDERS, operation: AclOperation.ANY },
      { ...READ_ORDERS, principal: 'alice' },
    ];
    const { results } = await h.create.createAcls(request(2, { creations: [...bad, READ_ORDERS] }));
    assert.deepEqual(results!.map((r) => r.errorCode), [...bad.map(() => ErrorCode.INVALID_REQUEST), ErrorCode.NONE]);
    assert.ok(results!.slice(0, 4).every((r) => typeof r.errorMessage === 'string' && r.errorMessage.length > 0));
    assert.equal(h.store.size, 1);
  });

  it('answer INVALID_REQUEST for a malformed describe filter', async () => {
    const h = handlers(SUPER);
    const answer = await h.describe.describeAcls(request(1, { ...ANY_FILTER, patternTypeFilter: 0 }));
    assert.equal(answer.errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('delete what each filter matches, list it, and refuse a malformed filter alone', async () => {
    const h = handlers(SUPER);
    await h.create.createAcls(request(1, { creations: [READ_ORDERS, { ...READ_ORDERS, resourceName: 'payments' }] }));
    const { filterResults } = await h.remove.deleteAcls(
      request(1, { filters: [{ ...ANY_FILTER, operation: 99 }, { ...ANY_FILTER, resourceNameFilter: 'orders' }] }),
    );
    assert.equal(filterResults![0]!.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(filterResults![1]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(filterResults![1]!.matchingAcls!.map((acl) => acl.resourceName), ['orders']);
    assert.deepEqual(h.store.all().map((acl) => acl.resourceName), ['payments']);
  });

  it('report a failed save and keep nothing of it', async () => {
    const h = handlers(SUPER);
    h.fs.failWrites = true;
    const { results } = await h.create.createAcls(request(1, { creations: [READ_ORDERS] }));
    assert.equal(results![0]!.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(h.store.size, 0);
  });

  it('encode their answers in every version served', async () => {
    const h = handlers(SUPER);
    await h.create.createAcls(request(1, { creations: [READ_ORDERS] }));
    const describe = await h.describe.describeAcls(request(1, ANY_FILTER));
    encodesInEveryVersion(registration(DescribeAclsHandler.prototype.describeAcls), () => describe);
    encodesInEveryVersion(registration(CreateAclsHandler.prototype.createAcls), () => ({ results: [{ errorCode: 0, errorMessage: null }] }));
    const deleted = await h.remove.deleteAcls(request(1, { filters: [ANY_FILTER] }));
    assert.equal(deleted.filterResults![0]!.matchingAcls!.length, 1);
    encodesInEveryVersion(registration(DeleteAclsHandler.prototype.deleteAcls), () => deleted);
  });
});
