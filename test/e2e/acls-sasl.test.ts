/**
 * ACLs for SASL-authenticated users, against a real broker process: a SASL_PLAINTEXT
 * listener (SCRAM-SHA-256 and -512), the authorizer on with Kafka's default
 * (allow_everyone_if_no_acl_found false) and `admin` the only super user. The admin provisions
 * user alice with Kafka's kafka-configs and grants her ACLs with Kafka's kafka-acls, both
 * logged in over SASL; alice then works through the Java client (producer, Admin,
 * transactional producer) and kcat (a consumer group): allowed, denied, prefixed, deny wins
 * and super user, on topic, group, cluster and transactional id resources, and the
 * authorized operations the Java Admin's describeTopics reports for her.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeJavaDrivers, javaDriver, runJavaOp, type JavaClientDriver } from './clients/java.js';
import { transactionalOverCalls } from './clients/transactional.js';
import { describeRun, run, uniqueTopic } from './harness.js';
import { makeMessages } from './records.js';
import { kafkaToolOk } from './support/kafka-tools.js';
import { startListenersBroker, type ListenersBroker } from './support/listeners-broker.js';

const TEST_TIMEOUT_MS = 120_000;
const TOOL_TIMEOUT_MS = 60_000;
const ADMIN = { user: 'admin', password: 'admin-Secret-1' };
const ALICE = { user: 'alice', password: 'alice-Secret-2' };
const NOT_AUTHORIZED = /AuthorizationException|not authorized/i;

let dir = '';
let broker: ListenersBroker | undefined;

/** Java client settings for a SCRAM login over SASL_PLAINTEXT. */
function scramProps(login: { user: string; password: string }, mechanism = 'SCRAM-SHA-512'): Record<string, string> {
  return {
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': mechanism,
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${login.user}" password="${login.password}";`,
  };
}

const bootstrap = () => broker!.bootstrap('SASL_PLAINTEXT');
const admin = (): JavaClientDriver => javaDriver('4', bootstrap(), scramProps(ADMIN));
const alice = (): JavaClientDriver => javaDriver('4', bootstrap(), scramProps(ALICE));
/** Kafka's kafka-acls, logged in as the super user. */
const acls = (args: string[]) => kafkaToolOk('3.9', 'kafka-acls', ['--bootstrap-server', bootstrap(), '--command-config', join(dir, 'admin.properties'), ...args], { timeoutMs: TOOL_TIMEOUT_MS });

/** Produces one message as alice; resolves with null or the producer's failure. */
async function produceAsAlice(topic: string): Promise<string | null> {
  try {
    await alice().produce(topic, makeMessages(alice(), { tag: topic, count: 1, partitions: 1 }));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

async function failureOf(action: () => Promise<unknown>): Promise<string | null> {
  try {
    await action();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blink-e2e-acls-sasl-'));
  broker = await startListenersBroker(dir, ['SASL_PLAINTEXT'], {
    SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-256,SCRAM-SHA-512',
    SASL_USERS: `${ADMIN.user}:${ADMIN.password}`,
    AUTHORIZER_ENABLED: 'true',
    SUPER_USERS: `User:${ADMIN.user}`,
    AUTO_CREATE_TOPICS: 'false',
  });
  const properties = Object.entries(scramProps(ADMIN)).map(([key, value]) => `${key}=${value}`);
  writeFileSync(join(dir, 'admin.properties'), `${properties.join('\n')}\n`);
  await kafkaToolOk('3.9', 'kafka-configs', [
    '--bootstrap-server', bootstrap(), '--command-config', join(dir, 'admin.properties'),
    '--alter', '--add-config', `SCRAM-SHA-512=[password=${ALICE.password}],SCRAM-SHA-256=[iterations=4096,password=${ALICE.password}]`,
    '--entity-type', 'users', '--entity-name', ALICE.user,
  ], { timeoutMs: TOOL_TIMEOUT_MS });
});

after(async () => {
  await closeJavaDrivers();
  await broker?.stop();
});

describe('ACLs for SASL users (kafka-configs, kafka-acls, Java client, kcat)', () => {
  test('alice, created with kafka-configs, logs in but sees and writes nothing without an ACL; the super user needs none', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('closed');
    await admin().createTopic(topic, 1);
    assert.ok((await admin().metadata()).topics.has(topic), 'the super user sees the topic');
    assert.ok(!(await alice().metadata()).topics.has(topic), 'alice does not');
    assert.match((await produceAsAlice(topic)) ?? '', NOT_AUTHORIZED);
    await admin().produce(topic, makeMessages(admin(), { tag: topic, count: 1, partitions: 1 }));
  });

  test('topic and group ACLs: alice produces with Write, consumes in a group with Read on both; describeTopics reports her operations', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('orders');
    const group = `group-${topic}`;
    await admin().createTopic(topic, 1);
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Write', '--topic', topic]);
    assert.equal(await produceAsAlice(topic), null, 'Write allows the produce');
    assert.equal(await produceAsAlice(topic), null);

    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Read', '--topic', topic]);
    const refused = await failureOf(() => alice().commitOffsets(group, topic, [1]));
    assert.match(refused ?? '', /GroupAuthorization/, 'no ACL on the group yet');
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Read', '--group', group]);
    const consumed = await kcatAsAlice(['-G', group, '-X', 'auto.offset.reset=earliest', '-c', '2', topic]);
    assert.equal(consumed.code, 0, describeRun('kcat -G as alice', consumed));
    assert.equal(consumed.stdout.trim().split('\n').length, 2, describeRun('kcat -G as alice', consumed));

    const described = await runJavaOp<{ topics: Record<string, { authorized_operations: string[] | null }> }>('4', bootstrap(), 'describe_topics', {
      topics: [topic],
      include_authorized_operations: true,
      client_props: scramProps(ALICE),
    });
    assert.deepEqual(described.topics[topic]?.authorized_operations, ['DESCRIBE', 'READ', 'WRITE'], 'Read and Write, and the Describe they imply');
  });

  test('a prefixed allow covers every topic of the prefix, a literal deny wins over it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const prefix = `${uniqueTopic('team')}-`;
    const [open, secret] = [`${prefix}open`, `${prefix}secret`];
    await admin().createTopic(open, 1);
    await admin().createTopic(secret, 1);
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Write', '--topic', prefix, '--resource-pattern-type', 'prefixed']);
    assert.equal(await produceAsAlice(open), null);
    assert.equal(await produceAsAlice(secret), null);
    await acls(['--add', '--deny-principal', `User:${ALICE.user}`, '--operation', 'Write', '--topic', secret]);
    assert.match((await produceAsAlice(secret)) ?? '', NOT_AUTHORIZED, 'deny wins');
    assert.equal(await produceAsAlice(open), null, 'the rest of the prefix stays open');
    await admin().produce(secret, makeMessages(admin(), { tag: secret, count: 1, partitions: 1 }));
    const listed = await acls(['--list', '--principal', `User:${ALICE.user}`]);
    assert.match(listed, new RegExp(`name=${prefix}, patternType=PREFIXED`));
    assert.match(listed, /principal=User:alice, host=\*, operation=WRITE, permissionType=DENY/);
  });

  test('cluster: alice creates topics once she may Create on the cluster', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('alice-made');
    assert.match((await failureOf(() => alice().createTopic(topic, 1))) ?? '', NOT_AUTHORIZED);
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Create', '--cluster']);
    await alice().createTopic(topic, 1);
    assert.ok((await admin().metadata()).topics.has(topic));
  });

  test('transactional id: alice\'s transactions need Write on her transactional id', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('txn');
    const transactionalId = `tx-${topic}`;
    await admin().createTopic(topic, 1);
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Write', '--topic', topic]);
    const client = transactionalOverCalls('java-4', (op, args) => runJavaOp('4', bootstrap(), op, { ...args, client_props: scramProps(ALICE) }));
    const transactions = [{ commit: true, messages: [{ partition: 0, value: 'committed' }] }];
    assert.match((await failureOf(() => client.runTransactions(topic, transactionalId, transactions))) ?? '', /TransactionalIdAuthorization/);
    await acls(['--add', '--allow-principal', `User:${ALICE.user}`, '--operation', 'Write', '--transactional-id', transactionalId]);
    await client.runTransactions(topic, transactionalId, transactions);
    const reader = transactionalOverCalls('java-4', (op, args) => runJavaOp('4', bootstrap(), op, { ...args, client_props: scramProps(ADMIN) }));
    const committed = await reader.consume(topic, 1, 1, 'read_committed', 10_000);
    assert.deepEqual(committed.map((record) => record.value), ['committed']);
  });
});

/** kcat as alice over SCRAM-SHA-256 (librdkafka), bounded. */
function kcatAsAlice(args: string[]) {
  const security = {
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanisms': 'SCRAM-SHA-256',
    'sasl.username': ALICE.user,
    'sasl.password': ALICE.password,
  };
  return run('kcat', ['-b', bootstrap(), ...Object.entries(security).flatMap(([key, value]) => ['-X', `${key}=${value}`]), '-q', ...args], { timeoutMs: 40_000 });
}
