/**
 * The SCRAM users of this broker, kept as Kafka keeps them: per user and mechanism a salt,
 * StoredKey, ServerKey and iteration count, never a password. Users named in `sasl_users` /
 * `SASL_USERS` / `sasl_users_dir` are (re)created at boot for every SCRAM mechanism Blink
 * knows; AlterUserScramCredentials adds and removes others.
 *
 * On disk, in both storage modes: `<record_storage_path>/__security/scram-credentials.json`
 * (security-file.ts: replaced atomically)
 *   {"version":1,"users":{"alice":{"SCRAM-SHA-256":{"salt":"…","storedKey":"…","serverKey":"…","iterations":4096}}}}
 * A change is answered only once the file holds it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig, type SaslUser } from '../config/settings.js';
import { SecurityFile } from './security-file.js';
import { credentialFromPassword, passwordMatches, SCRAM_MECHANISM_HASHES, SCRAM_MIN_ITERATIONS, type ScramCredential } from './scram.js';

const FILE_NAME = 'scram-credentials.json';
const FILE_VERSION = 1;
const SALT_BYTES = 32;
/** Kafka's bound on a SCRAM user name is the protocol's string length; this one keeps the file sane. */
const MAX_USERS = 100_000;

export const SCRAM_MECHANISMS = Object.keys(SCRAM_MECHANISM_HASHES);

interface StoredCredential {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

type UserCredentials = Map<string, ScramCredential>;

export class CredentialStoreFullError extends Error {}

@Injectable()
export class ScramCredentialStore implements OnModuleInit {
  private readonly log = new Logger('ScramCredentials');
  private readonly users = new Map<string, UserCredentials>();
  /**
   * Keyed per process so that a made-up credential for an unknown user is stable but unguessable.
   * Drawn at its first use, not at construction, which would load node:crypto at every boot
   * (tools/bundle.mjs defers it to its first use).
   */
  private decoyKey: Buffer | undefined;
  private readonly file: SecurityFile;

  constructor(@Inject(BLINK_CONFIG) private readonly config: BlinkConfig) {
    this.file = new SecurityFile(config.recordStoragePath, FILE_NAME, FILE_VERSION);
  }

  async onModuleInit(): Promise<void> {
    await this.load();
    const provisioned = [...this.config.sasl.users, ...(await this.usersFromDirectory())];
    if (provisioned.length === 0) return;
    for (const user of provisioned) this.provision(user);
    await this.save();
    this.log.log(`SASL users from the settings: ${provisioned.map((u) => u.name).join(', ')}`);
  }

  get(user: string, mechanism: string): ScramCredential | undefined {
    return this.users.get(user)?.get(mechanism);
  }

  /** Every user with the mechanisms it has, sorted by name (DescribeUserScramCredentials). */
  list(): Array<{ user: string; credentials: Array<{ mechanism: string; iterations: number }> }> {
    return [...this.users.keys()].sort().map((user) => ({ user, credentials: this.credentialsOf(user) }));
  }

  credentialsOf(user: string): Array<{ mechanism: string; iterations: number }> {
    return [...(this.users.get(user) ?? new Map<string, ScramCredential>())].map(([mechanism, c]) => ({ mechanism, iterations: c.iterations }));
  }

  /**
   * The credential to run a SCRAM exchange against: the user's, or for an unknown user a
   * decoy with a stable salt, so the exchange runs to its end and fails like a wrong password.
   */
  credentialOrDecoy(user: string, mechanism: string): { credential: ScramCredential; known: boolean } {
    const credential = this.get(user, mechanism);
    if (credential !== undefined) return { credential, known: true };
    const salt = createHmac('sha256', (this.decoyKey ??= randomBytes(32))).update(`${mechanism}\0${user}`).digest();
    return { credential: { salt, storedKey: randomBytes(64), serverKey: randomBytes(64), iterations: SCRAM_MIN_ITERATIONS }, known: false };
  }

  /** PLAIN: the password against any SCRAM credential of the user. */
  verifyPassword(user: string, password: string): boolean {
    const credentials = this.users.get(user);
    if (credentials === undefined) return false;
    const [mechanism, credential] = [...credentials][0] ?? [];
    return mechanism !== undefined && credential !== undefined && passwordMatches(SCRAM_MECHANISM_HASHES[mechanism]!, credential, password);
  }

  /** Applies upserts and deletions as one change, written to disk before it resolves. */
  async alter(upserts: ReadonlyArray<{ user: string; mechanism: string; credential: ScramCredential }>, deletions: ReadonlyArray<{ user: string; mechanism: string }>): Promise<void> {
    const newUsers = new Set(upserts.map((u) => u.user).filter((user) => !this.users.has(user)));
    if (this.users.size + newUsers.size > MAX_USERS) throw new CredentialStoreFullError(`at most ${MAX_USERS} SCRAM users`);
    for (const { user, mechanism } of deletions) {
      this.users.get(user)?.delete(mechanism);
      if (this.users.get(user)?.size === 0) this.users.delete(user);
    }
    for (const { user, mechanism, credential } of upserts) this.userCredentials(user).set(mechanism, credential);
    await this.save();
  }

  private provision({ name, password }: SaslUser): void {
    for (const [mechanism, hash] of Object.entries(SCRAM_MECHANISM_HASHES)) {
      const existing = this.get(name, mechanism);
      if (existing !== undefined && passwordMatches(hash, existing, password)) continue;
      this.userCredentials(name).set(mechanism, credentialFromPassword(hash, password, randomBytes(SALT_BYTES), SCRAM_MIN_ITERATIONS));
    }
  }

  private userCredentials(user: string): UserCredentials {
    let credentials = this.users.get(user);
    if (credentials === undefined) this.users.set(user, (credentials = new Map()));
    return credentials;
  }

  /**
   * One user per file, named after the user, holding the password (a trailing newline is not
   * part of it). A mounted Kubernetes Secret's files are symbolic links (into its `..data`
   * directory), as are links made into a systemd credentials directory: those count too.
   */
  private async usersFromDirectory(): Promise<SaslUser[]> {
    const dir = this.config.sasl.usersDir;
    if (dir === null) return [];
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.')).map((e) => e.name);
    return Promise.all(names.map(async (name) => ({ name, password: (await readFile(join(dir, name), 'utf8')).replace(/\r?\n$/, '') })));
  }

  private async load(): Promise<void> {
    const file = await this.file.load<{ users: Record<string, Record<string, StoredCredential>> }>();
    for (const [user, mechanisms] of Object.entries(file?.users ?? {})) {
      for (const [mechanism, stored] of Object.entries(mechanisms)) this.userCredentials(user).set(mechanism, fromStored(stored));
    }
  }

  private save(): Promise<void> {
    const users: Record<string, Record<string, StoredCredential>> = {};
    for (const [user, credentials] of this.users) users[user] = Object.fromEntries([...credentials].map(([m, c]) => [m, toStored(c)]));
    return this.file.save({ users });
  }
}

function toStored(c: ScramCredential): StoredCredential {
  return { salt: c.salt.toString('base64'), storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64'), iterations: c.iterations };
}

function fromStored(s: StoredCredential): ScramCredential {
  return { salt: Buffer.from(s.salt, 'base64'), storedKey: Buffer.from(s.storedKey, 'base64'), serverKey: Buffer.from(s.serverKey, 'base64'), iterations: s.iterations };
}
