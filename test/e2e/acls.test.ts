/**
 * ACLs against a real broker process with the authorizer on, through the Java Admin client
 * (createAcls, describeAcls, deleteAcls) and Kafka's kafka-acls tool (3.9), and their effect
 * on real clients, all of them User:ANONYMOUS on a PLAINTEXT listener (acls-sasl.test.ts does
 * the same for SASL users, mtls.test.ts for certificate principals), so the broker runs
 * with allow_everyone_if_no_acl_found: a resource no ACL names is open, and naming one in an
 * ACL (for someone else) closes it to ANONYMOUS — the denied principal — until an ACL allows
 * it; a prefixed DENY then wins over that allow. A second broker with the authorizer off
 * answers the ACL APIs with SECURITY_DISABLED. The REST admin acts as `admin_token_principal`
 * (User:ops) with the token and is checked against the same ACLs.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { closeJavaDrivers, javaDriver, runJavaOp, type JavaClientDriver } from './clients/java.js';
import { useBroker } from './client-suite.js';
import { uniqueTopic } from './harness.js';
import { makeMessages } from './records.js';
import { kafkaToolOk, runKafkaTool } from './support/kafka-tools.js';

const TOOL_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

const ADMIN_TOKEN = 'acl-e2e-token';
const broker = useBroker({
  AUTHORIZER_ENABLED: 'true',
  ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'true',
  AUTO_CREATE_TOPICS: 'false',
  ADMIN_TOKEN,
  ADMIN_TOKEN_PRINCIPAL: 'User:ops',
});
const plain = useBroker({});
after(closeJavaDrivers);

const java = (): JavaClientDriver => javaDriver('4', broker().bootstrap);
const admin = <T>(op: string, args: Record<string, unknown>, bootstrap = broker().bootstrap): Promise<T> => runJavaOp<T>('4', bootstrap, op, args);
const acls = (tool: string[]) => kafkaToolOk('3.9', 'kafka-acls', ['--bootstrap-server', broker().bootstrap, ...tool], { timeoutMs: TOOL_TIMEOUT_MS });

/** Produces one message as User:ANONYMOUS; resolves with null or the producer's failure. */
async function produceAsAnonymous(topic: string): Promise<string | null> {
  try {
    await java().produce(topic, makeMessages(java(), { tag: topic, count: 1, partitions: 1 }));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('ACLs (authorizer on, allow_everyone_if_no_acl_found)', () => {
  test('Java Admin and kafka-acls create, list and delete ACLs, and clients feel them', { timeout: TEST_TIMEOUT_MS }, async () => {
    const guarded = uniqueTopic('guarded');
    const open = uniqueTopic('open');
    await java().createTopic(guarded, 1);
    await java().createTopic(open, 1);
    assert.equal(await produceAsAnonymous(guarded), null, 'no ACL names the topic yet: open to everyone');

    const created = await admin<{ error: string | null }>('create_acls', {
      acls: [{ resource_type: 'TOPIC', name: guarded, pattern: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' }],
    });
    assert.equal(created.error, null, 'createAcls succeeds');
    const listed = await admin<{ acls: string[] }>('describe_acls', { filter: { resource_type: 'TOPIC', name: guarded } });
    assert.deepEqual(listed.acls, [`TOPIC:LITERAL:${guarded}:User:alice:*:READ:ALLOW`]);

    assert.match((await produceAsAnonymous(guarded)) ?? '', /TopicAuthorization|not authorized/i, 'ANONYMOUS is now refused on the guarded topic');
    assert.equal(await produceAsAnonymous(open), null, 'the other topic stays open');
    const visible = (await java().metadata()).topics;
    assert.ok(visible.has(open) && !visible.has(guarded), 'Metadata leaves out the topic ANONYMOUS may not describe');

    await acls(['--add', '--allow-principal', 'User:ANONYMOUS', '--operation', 'Write', '--operation', 'Describe', '--topic', guarded]);
    assert.equal(await produceAsAnonymous(guarded), null, 'allowed again by kafka-acls --add');

    const prefix = guarded.slice(0, 8);
    await acls(['--add', '--deny-principal', 'User:ANONYMOUS', '--operation', 'Write', '--topic', prefix, '--resource-pattern-type', 'prefixed']);
    assert.match((await produceAsAnonymous(guarded)) ?? '', /TopicAuthorization|not authorized/i, 'a prefixed deny wins over the literal allow');

    const toolList = await acls(['--list', '--topic', guarded]);
    assert.match(toolList, /principal=User:alice, host=\*, operation=READ, permissionType=ALLOW/);
    assert.match(toolList, /principal=User:ANONYMOUS, host=\*, operation=WRITE, permissionType=ALLOW/);

    const deleted = await admin<{ deleted: string[] }>('delete_acls', { filters: [{ resource_type: 'TOPIC', pattern: 'PREFIXED', name: prefix }] });
    assert.deepEqual(deleted.deleted, [`TOPIC:PREFIXED:${prefix}:User:ANONYMOUS:*:WRITE:DENY`]);
    assert.equal(await produceAsAnonymous(guarded), null, 'the deny is gone');

    await acls(['--remove', '--force', '--topic', guarded]);
    const after = await admin<{ acls: string[] }>('describe_acls', { filter: { resource_type: 'TOPIC', name: guarded } });
    assert.deepEqual(after.acls, [], 'kafka-acls --remove deleted every ACL of the topic');
  });

  test('an invalid ACL is refused with the reason', { timeout: TEST_TIMEOUT_MS }, async () => {
    const created = await admin<{ error: string | null }>('create_acls', {
      acls: [{ resource_type: 'CLUSTER', name: 'not-the-cluster', pattern: 'LITERAL', principal: 'User:alice', host: '*', operation: 'ALTER', permission: 'ALLOW' }],
    });
    assert.match(created.error ?? '', /InvalidRequestException: .*kafka-cluster/);
  });

  test('the REST admin acts as the admin token\'s principal and obeys the same ACLs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const guarded = uniqueTopic('rest-guarded');
    await java().createTopic(guarded, 1);
    const describe = () => fetch(`${broker().restUrl}/api/v1/topics/${guarded}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal((await describe()).status, 200, 'no ACL names the topic: open');
    await admin('create_acls', { acls: [{ resource_type: 'TOPIC', name: guarded, principal: 'User:alice', operation: 'READ' }] });
    const refused = await describe();
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { message: string }).message, /User:ops is not authorized for DESCRIBE on TOPIC/);
    await admin('create_acls', { acls: [{ resource_type: 'TOPIC', name: guarded, principal: 'User:ops', operation: 'DESCRIBE' }] });
    assert.equal((await describe()).status, 200, 'allowed once User:ops may describe it');
  });

  test('with the authorizer off the ACL APIs answer SECURITY_DISABLED', { timeout: TEST_TIMEOUT_MS }, async () => {
    const listed = await admin<{ error?: string }>('describe_acls', { filter: {} }, plain().bootstrap);
    assert.match(listed.error ?? '', /SecurityDisabledException/);
    const tool = await runKafkaTool('3.9', 'kafka-acls', ['--bootstrap-server', plain().bootstrap, '--list'], { timeoutMs: TOOL_TIMEOUT_MS });
    assert.match(tool.stdout + tool.stderr, /SecurityDisabledException|Security features are disabled|No Authorizer is configured/);
  });
});
