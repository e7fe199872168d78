/**
 * Delegation tokens (KIP-48) as a Kafka 3.9 broker keeps them: a token id, its owner, the
 * principal that asked for it, its renewers and three times (issue, expiry, max). The token's
 * password is its HMAC: HMAC-SHA512 of the token id under `delegation_token_secret_key`
 * (Kafka's DelegationTokenManager.createHmac); a SCRAM login with `tokenauth=true`, the token
 * id as user name and the base64 HMAC as password authenticates as the owner. Tokens exist
 * only while the secret key is set; a changed key invalidates every token, as in Kafka.
 *
 * On disk, in both storage modes: `<record_storage_path>/__security/delegation-tokens.json`
 * (security-file.ts: replaced atomically), without the HMACs (they follow from the key)
 *   {"version":1,"tokens":[{"tokenId":"…","owner":"User:alice","requester":"User:alice",
 *     "renewers":["User:bob"],"issueTimestampMs":…,"expiryTimestampMs":…,"maxTimestampMs":…}]}
 * A change is answered only once the file holds it. Every `delegation_token_expiry_check_interval_ms`
 * the tokens past their expiry are removed (Kafka's expireTokens task).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig, type DelegationTokenConfig } from '../config/settings.js';
import { SecurityFile } from './security-file.js';
import { credentialFromPassword, SCRAM_MECHANISM_HASHES, SCRAM_MIN_ITERATIONS, type ScramCredential } from './scram.js';

const FILE_NAME = 'delegation-tokens.json';
const FILE_VERSION = 1;
const TOKEN_ID_BYTES = 16;
/** Kafka bounds tokens only by memory; this keeps the file and the per-login scan sane. */
export const MAX_DELEGATION_TOKENS = 10_000;

export interface DelegationToken {
  readonly tokenId: string;
  /** Principals in Kafka's `Type:name` form. */
  readonly owner: string;
  readonly requester: string;
  readonly renewers: readonly string[];
  readonly issueTimestampMs: number;
  readonly expiryTimestampMs: number;
  readonly maxTimestampMs: number;
}

export class DelegationTokenStoreFull extends Error {}

/** What a SCRAM `tokenauth` login checks against. */
export interface TokenCredential {
  readonly owner: string;
  readonly credential: ScramCredential;
  readonly expiresAtMs: number;
}

@Injectable()
export class DelegationTokenStore implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('DelegationTokens');
  private readonly tokens = new Map<string, DelegationToken>();
  /** SCRAM credentials derived from a token's HMAC (4096 PBKDF2 rounds each: derived once per token and mechanism). */
  private readonly credentials = new Map<string, ScramCredential>();
  private readonly file: SecurityFile;
  private readonly settings: DelegationTokenConfig;
  private sweep: Timer | undefined;

  constructor(
    @Inject(BLINK_CONFIG) config: BlinkConfig,
    private readonly clock: Clock,
  ) {
    this.settings = config.sasl.delegationTokens;
    this.file = new SecurityFile(config.recordStoragePath, FILE_NAME, FILE_VERSION);
  }

  /** Kafka's tokenAuthEnabled: a secret key is set. */
  get enabled(): boolean {
    return this.settings.secretKey !== null;
  }

  get maxLifetimeMs(): number {
    return this.settings.maxLifetimeMs;
  }

  get expiryTimeMs(): number {
    return this.settings.expiryTimeMs;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const file = await this.file.load<{ tokens: DelegationToken[] }>();
    for (const token of file?.tokens ?? []) this.tokens.set(token.tokenId, token);
    await this.removeExpired();
    this.sweep = this.clock.every(this.settings.expiryCheckIntervalMs, () => void this.removeExpired().catch((error: unknown) => this.log.error(`could not remove expired tokens: ${String(error)}`)));
  }

  onModuleDestroy(): void {
    this.sweep?.cancel();
  }

  /** HMAC-SHA512 of the token id under the secret key: the token's password (Kafka's createHmac). */
  hmacOf(tokenId: string): Buffer {
    if (this.settings.secretKey === null) throw new Error('delegation tokens are disabled');
    return createHmac('sha512', Buffer.from(this.settings.secretKey, 'utf8')).update(tokenId, 'utf8').digest();
  }

  all(): DelegationToken[] {
    return [...this.tokens.values()];
  }

  /** The token whose HMAC this is (renew and expire name a token by its HMAC). */
  byHmac(hmac: Buffer): DelegationToken | undefined {
    return this.all().find((token) => {
      const expected = this.hmacOf(token.tokenId);
      return expected.length === hmac.length && timingSafeEqual(expected, hmac);
    });
  }

  async create(owner: string, requester: string, renewers: readonly string[], requestedMaxLifetimeMs: number): Promise<DelegationToken> {
    if (this.tokens.size >= MAX_DELEGATION_TOKENS) throw new DelegationTokenStoreFull(`at most ${MAX_DELEGATION_TOKENS} delegation tokens`);
    const now = this.clock.nowMs();
    // Kafka: a non-positive request takes the broker's maximum; a larger one is capped at it.
    const lifetimeMs = requestedMaxLifetimeMs <= 0 ? this.maxLifetimeMs : Math.min(requestedMaxLifetimeMs, this.maxLifetimeMs);
    const maxTimestampMs = now + lifetimeMs;
    const token: DelegationToken = {
      tokenId: randomBytes(TOKEN_ID_BYTES).toString('base64url'),
      owner,
      requester,
      renewers: [...renewers],
      issueTimestampMs: now,
      expiryTimestampMs: Math.min(maxTimestampMs, now + this.expiryTimeMs),
      maxTimestampMs,
    };
    this.tokens.set(token.tokenId, token);
    await this.save();
    return token;
  }

  /** A new expiry for the token, never past its max timestamp. */
  async setExpiry(tokenId: string, expiryTimestampMs: number): Promise<DelegationToken> {
    const token = this.tokens.get(tokenId);
    if (token === undefined) throw new Error(`no delegation token ${tokenId}`);
    const updated = { ...token, expiryTimestampMs: Math.min(expiryTimestampMs, token.maxTimestampMs) };
    this.tokens.set(tokenId, updated);
    await this.save();
    return updated;
  }

  async remove(tokenId: string): Promise<void> {
    this.forget(tokenId);
    await this.save();
  }

  /** The credential a SCRAM `tokenauth` login runs against, while the token is alive. */
  scramCredential(tokenId: string, mechanism: string): TokenCredential | undefined {
    const token = this.enabled ? this.tokens.get(tokenId) : undefined;
    const hash = SCRAM_MECHANISM_HASHES[mechanism];
    if (token === undefined || hash === undefined || token.expiryTimestampMs < this.clock.nowMs()) return undefined;
    const key = `${mechanism}\0${tokenId}`;
    let credential = this.credentials.get(key);
    if (credential === undefined) {
      const password = this.hmacOf(tokenId).toString('base64');
      credential = credentialFromPassword(hash, password, randomBytes(32), SCRAM_MIN_ITERATIONS);
      this.credentials.set(key, credential);
    }
    return { owner: token.owner, credential, expiresAtMs: token.expiryTimestampMs };
  }

  private forget(tokenId: string): void {
    this.tokens.delete(tokenId);
    for (const mechanism of Object.keys(SCRAM_MECHANISM_HASHES)) this.credentials.delete(`${mechanism}\0${tokenId}`);
  }

  private async removeExpired(): Promise<void> {
    const now = this.clock.nowMs();
    const expired = this.all().filter((token) => token.expiryTimestampMs < now);
    if (expired.length === 0) return;
    for (const token of expired) this.forget(token.tokenId);
    await this.save();
    this.log.log(`removed ${expired.length} expired delegation token(s)`);
  }

  private save(): Promise<void> {
    return this.file.save({ tokens: this.all() });
  }
}
