/**
 * Authorizer.authorizedOperations: the bitfield the "authorized operations" fields of
 * Metadata, DescribeGroups, DescribeCluster and DescribeTopicPartitions carry — bit n set
 * when operation n is allowed, over the operations Kafka's AclEntry.supportedOperations
 * lists for the resource type; every supported operation with the authorizer off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AclBinding, AclOperation as Op, CLUSTER_NAME, PatternType, PermissionType, ResourceType } from '../../../src/authorizer/acl.js';
import { authorizerFor } from '../kafka/authorizer-support.js';

const alice = { principal: 'User:alice', host: '10.0.0.7' };
const bits = (...operations: number[]) => operations.reduce((field, operation) => field | (1 << operation), 0);

function acl(over: Partial<AclBinding>): AclBinding {
  return { resourceType: ResourceType.TOPIC, resourceName: 'orders', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: PermissionType.ALLOW, ...over };
}

describe('authorized operations', () => {
  it('with the authorizer off: every operation the type supports, Kafka\'s values', () => {
    const { authorizer } = authorizerFor({ enabled: false });
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TOPIC, 'orders'), 3576);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.GROUP, 'g'), bits(Op.READ, Op.DESCRIBE, Op.DELETE));
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.CLUSTER, CLUSTER_NAME), 8096);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TRANSACTIONAL_ID, 'tx'), bits(Op.DESCRIBE, Op.WRITE));
  });

  it('with ACLs: the allowed operations and the ones they imply; a deny clears its bit; a prefix applies', async () => {
    const { authorizer, store } = authorizerFor();
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TOPIC, 'orders'), 0, 'no ACL: nothing');
    await store.add([acl({ operation: Op.WRITE }), acl({ operation: Op.ALTER_CONFIGS, resourceName: 'ord', patternType: PatternType.PREFIXED })]);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TOPIC, 'orders'), bits(Op.WRITE, Op.DESCRIBE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS));
    await store.add([acl({ operation: Op.DESCRIBE_CONFIGS, permissionType: PermissionType.DENY })]);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TOPIC, 'orders'), bits(Op.WRITE, Op.DESCRIBE, Op.ALTER_CONFIGS));
    assert.equal(authorizer.authorizedOperations({ ...alice, principal: 'User:bob' }, ResourceType.TOPIC, 'orders'), 0, 'someone else\'s ACLs give bob nothing');
  });

  it('ALL grants every supported operation (never CLUSTER_ACTION on a topic); a super user gets them all', async () => {
    const { authorizer, store } = authorizerFor({ superUsers: ['User:root'] });
    await store.add([acl({ resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME, operation: Op.ALL }), acl({ operation: Op.ALL })]);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.CLUSTER, CLUSTER_NAME), 8096);
    assert.equal(authorizer.authorizedOperations(alice, ResourceType.TOPIC, 'orders'), 3576);
    assert.equal(authorizer.authorizedOperations({ principal: 'User:root', host: '10.0.0.1' }, ResourceType.GROUP, 'any'), bits(Op.READ, Op.DESCRIBE, Op.DELETE));
  });
});
