/**
 * The delegation token APIs (keys 38-41) on a fake clock, with the token file kept in memory:
 * refused as Kafka refuses them (by listener security protocol, token login, no secret key),
 * create / renew / expire / describe with their times and HMAC, owner checks, ACLs for
 * another owner and for describe, and the expiry sweep.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { loadSettings } from '../../../src/config/settings.js';
import { DelegationTokensHandler } from '../../../src/kafka/handlers/38-create-delegation-token.handler.js';
import type { ConnectionContext } from '../../../src/kafka/transport/connection-context.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { recordingConnection } from '../../support/connection-context.js';
import { FakeClock } from '../../support/fake-clock.js';
import { AclOperation, authorizerFor, OPEN_AUTHORIZER, PermissionType, ResourceType } from './authorizer-support.js';
import { encodesInEveryVersion, registration, request } from './support.js';

Logger.overrideLogger(false);

const SECRET = 'token-secret';
const DAY_MS = 86_400_000;
const plaintext = recordingConnection();
/** A SASL_SSL connection logged in as `user` (with a delegation token when `tokenAuthenticated`). */
const as = (user: string, tokenAuthenticated = false): ConnectionContext =>
  recordingConnection(tokenAuthenticated ? { principalType: 'User', name: user, tokenAuthenticated } : { principalType: 'User', name: user }, null, 'SASL_SSL');

/** A token store whose file lives in memory (unit tests touch no disk). */
function tokenStore(env: Record<string, string>, clock: FakeClock) {
  const config = loadSettings({ argv: [], env, cwd: '/nonexistent-dir-for-tests' });
  const store = new DelegationTokenStore(config, clock);
  const saved: unknown[] = [];
  (store as unknown as { file: unknown }).file = { load: async () => null, save: async (body: object) => void saved.push(structuredClone(body)) };
  return { store, saved };
}

async function setup(env: Record<string, string> = { DELEGATION_TOKEN_SECRET_KEY: SECRET }, authorizer = OPEN_AUTHORIZER) {
  const clock = new FakeClock();
  const { store, saved } = tokenStore(env, clock);
  await store.onModuleInit();
  return { clock, store, saved, handler: new DelegationTokensHandler(store, authorizer, clock) };
}

const createBody = (renewers: string[] = [], maxLifetimeMs = -1, owner: string | null = null) => ({
  ownerPrincipalType: owner === null ? null : 'User',
  ownerPrincipalName: owner,
  renewers: renewers.map((name) => ({ principalType: 'User', principalName: name })),
  maxLifetimeMs,
});

describe('delegation token APIs: refusals', () => {
  it('answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED off SASL and on a token login, DELEGATION_TOKEN_AUTH_DISABLED without a secret key', async () => {
    const disabled = await setup({});
    const enabled = await setup();
    const cases = [
      [disabled.handler, plaintext, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED],
      [disabled.handler, as('alice'), ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED],
      [enabled.handler, as('alice', true), ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED],
    ] as const;
    for (const [handler, context, code] of cases) {
      const answers = await Promise.all([
        handler.create(request(3, createBody(), 9092, context)),
        handler.renew(request(2, { hmac: Buffer.alloc(64), renewPeriodMs: -1 }, 9092, context)),
        handler.expire(request(2, { hmac: Buffer.alloc(64), expiryTimePeriodMs: -1 }, 9092, context)),
        handler.describe(request(3, { owners: null }, 9092, context)),
      ]);
      assert.deepEqual(answers.map((a) => a.errorCode), [code, code, code, code]);
    }
    assert.equal(enabled.store.all().length, 0);
  });
});

describe('delegation token APIs: lifecycle', () => {
  it('creates a token whose HMAC is HMAC-SHA512 of its id under the secret, with Kafka default times', async () => {
    const { handler, clock, saved } = await setup();
    const created = await handler.create(request(3, createBody(['bob']), 9092, as('alice')));
    assert.equal(created.errorCode, ErrorCode.NONE);
    assert.deepEqual([created.principalName, created.tokenRequesterPrincipalName], ['alice', 'alice']);
    assert.equal(created.issueTimestampMs, clock.nowMs());
    assert.equal(created.expiryTimestampMs, clock.nowMs() + DAY_MS);
    assert.equal(created.maxTimestampMs, clock.nowMs() + 7 * DAY_MS);
    assert.deepEqual(created.hmac, createHmac('sha512', SECRET).update(created.tokenId!).digest());
    assert.equal(JSON.stringify(saved.at(-1)).includes(created.hmac!.toString('base64')), false, 'the file holds no HMAC');
    encodesInEveryVersion(registration(DelegationTokensHandler.prototype.create), () => created);
  });

  it('caps a requested max lifetime at delegation_token_max_lifetime_ms and the expiry at the max', async () => {
    const { handler, clock } = await setup({ DELEGATION_TOKEN_SECRET_KEY: SECRET, DELEGATION_TOKEN_MAX_LIFETIME_MS: '2h', DELEGATION_TOKEN_EXPIRY_TIME_MS: '1d' });
    const capped = await handler.create(request(3, createBody([], 10 * DAY_MS), 9092, as('alice')));
    assert.equal(capped.maxTimestampMs, clock.nowMs() + 7_200_000);
    assert.equal(capped.expiryTimestampMs, capped.maxTimestampMs);
    const shorter = await handler.create(request(3, createBody([], 60_000), 9092, as('alice')));
    assert.equal(shorter.maxTimestampMs, clock.nowMs() + 60_000);
  });

  it('renews for the owner and renewers only, never past the max timestamp; refuses an unknown or expired token', async () => {
    const { handler, clock } = await setup();
    const { hmac, maxTimestampMs } = await handler.create(request(3, createBody(['bob']), 9092, as('alice')));
    clock.advance(1000);
    const byBob = await handler.renew(request(2, { hmac: hmac!, renewPeriodMs: 3_600_000 }, 9092, as('bob')));
    assert.deepEqual(byBob, { errorCode: ErrorCode.NONE, expiryTimestampMs: clock.nowMs() + 3_600_000, throttleTimeMs: 0 });
    const byCarol = await handler.renew(request(2, { hmac: hmac!, renewPeriodMs: 1 }, 9092, as('carol')));
    assert.equal(byCarol.errorCode, ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH);
    const long = await handler.renew(request(2, { hmac: hmac!, renewPeriodMs: 30 * DAY_MS }, 9092, as('alice')));
    assert.equal(long.expiryTimestampMs, maxTimestampMs);
    const unknown = await handler.renew(request(2, { hmac: Buffer.alloc(64, 1), renewPeriodMs: 1 }, 9092, as('alice')));
    assert.equal(unknown.errorCode, ErrorCode.DELEGATION_TOKEN_NOT_FOUND);
    await handler.expire(request(2, { hmac: hmac!, expiryTimePeriodMs: 10 }, 9092, as('alice')));
    clock.advance(11);
    const late = await handler.renew(request(2, { hmac: hmac!, renewPeriodMs: 1 }, 9092, as('alice')));
    assert.equal(late.errorCode, ErrorCode.DELEGATION_TOKEN_EXPIRED);
  });

  it('expires at once with a negative period (the token is gone), and the sweep removes tokens past their expiry', async () => {
    const { handler, clock, store } = await setup({ DELEGATION_TOKEN_SECRET_KEY: SECRET, DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS: '1m' });
    const first = await handler.create(request(3, createBody(), 9092, as('alice')));
    const second = await handler.create(request(3, createBody(), 9092, as('alice')));
    const now = await handler.expire(request(2, { hmac: first.hmac!, expiryTimePeriodMs: -1 }, 9092, as('alice')));
    assert.deepEqual(now, { errorCode: ErrorCode.NONE, expiryTimestampMs: clock.nowMs(), throttleTimeMs: 0 });
    assert.deepEqual(store.all().map((t) => t.tokenId), [second.tokenId]);
    await handler.expire(request(2, { hmac: second.hmac!, expiryTimePeriodMs: 1000 }, 9092, as('alice')));
    await clock.advanceAndSettle(60_000);
    assert.deepEqual(store.all(), []);
  });

  it('describes tokens to their owner and renewers, filtered by owner; an empty owner list describes none', async () => {
    const { handler } = await setup();
    const token = await handler.create(request(3, createBody(['bob']), 9092, as('alice')));
    await handler.create(request(3, createBody(), 9092, as('dave')));
    const byBob = await handler.describe(request(3, { owners: [{ principalType: 'User', principalName: 'alice' }] }, 9092, as('bob')));
    assert.equal(byBob.errorCode, ErrorCode.NONE);
    assert.deepEqual(byBob.tokens!.map((t) => [t.tokenId, t.principalName, t.renewers!.map((r) => r.principalName)]), [[token.tokenId, 'alice', ['bob']]]);
    assert.deepEqual(byBob.tokens![0]!.hmac, token.hmac);
    const none = await handler.describe(request(3, { owners: [] }, 9092, as('alice')));
    assert.deepEqual(none.tokens, []);
    encodesInEveryVersion(registration(DelegationTokensHandler.prototype.describe), () => byBob);
  });
});

describe('delegation token APIs: ACLs', () => {
  it('creates a token for another owner only with CreateTokens on that USER; renewers must be users', async () => {
    const { authorizer, store: acls } = authorizerFor({ enabled: true });
    const { handler } = await setup(undefined, authorizer);
    const denied = await handler.create(request(3, createBody([], -1, 'bob'), 9092, as('alice')));
    assert.equal(denied.errorCode, ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED);
    await acls.add([{ resourceType: ResourceType.USER, resourceName: 'User:bob', patternType: 3, principal: 'User:alice', host: '*', operation: AclOperation.CREATE_TOKENS, permissionType: PermissionType.ALLOW }]);
    const allowed = await handler.create(request(3, createBody([], -1, 'bob'), 9092, as('alice')));
    assert.deepEqual([allowed.errorCode, allowed.principalName, allowed.tokenRequesterPrincipalName], [ErrorCode.NONE, 'bob', 'alice']);
    const groupRenewer = await handler.create(request(3, { ...createBody(), renewers: [{ principalType: 'Group', principalName: 'g' }] }, 9092, as('alice')));
    assert.equal(groupRenewer.errorCode, ErrorCode.INVALID_PRINCIPAL_TYPE);
  });

  it('describes a stranger only the tokens it may Describe (DELEGATION_TOKEN) or DescribeTokens (owner USER)', async () => {
    const { authorizer, store: acls } = authorizerFor({ enabled: true });
    const { handler } = await setup(undefined, authorizer);
    const alices = await handler.create(request(3, createBody(), 9092, as('alice')));
    const daves = await handler.create(request(3, createBody(), 9092, as('dave')));
    const ids = async () => (await handler.describe(request(3, { owners: null }, 9092, as('carol')))).tokens!.map((t) => t.tokenId).sort();
    assert.deepEqual(await ids(), []);
    await acls.add([{ resourceType: ResourceType.DELEGATION_TOKEN, resourceName: alices.tokenId!, patternType: 3, principal: 'User:carol', host: '*', operation: AclOperation.DESCRIBE, permissionType: PermissionType.ALLOW }]);
    assert.deepEqual(await ids(), [alices.tokenId]);
    await acls.add([{ resourceType: ResourceType.USER, resourceName: 'User:dave', patternType: 3, principal: 'User:carol', host: '*', operation: AclOperation.DESCRIBE_TOKENS, permissionType: PermissionType.ALLOW }]);
    assert.deepEqual(await ids(), [alices.tokenId, daves.tokenId].sort());
  });
});
