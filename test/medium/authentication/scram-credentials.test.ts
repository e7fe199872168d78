/**
 * Medium tests (real temporary directory, no sockets) of the SCRAM users: provisioning from
 * SASL_USERS and sasl_users_dir, the Describe/AlterUserScramCredentials handlers with
 * Kafka's checks, and the credential file a restart reads back (never a password in it).
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { saltedPassword } from '../../../src/authentication/scram.js';
import { loadSettings } from '../../../src/config/settings.js';
import { UserScramCredentialsHandler } from '../../../src/kafka/handlers/50-describe-user-scram-credentials.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { request } from '../../unit/kafka/support.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

const SHA_256 = 1;
const SHA_512 = 2;

async function openStore(dir: string, env: Record<string, string> = {}): Promise<ScramCredentialStore> {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, ...env }, cwd: dir });
  const store = new ScramCredentialStore(config);
  await store.onModuleInit();
  return store;
}

function upsertion(name: string, mechanism: number, password: string, iterations = 4096) {
  const salt = Buffer.from(`salt-of-${name}`);
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(mechanism === SHA_256 ? 'sha256' : 'sha512', password, salt, iterations) };
}

describe('SCRAM credential store', () => {
  it('provisions users from SASL_USERS and a users directory, for both mechanisms, and keeps no password', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'users'));
      await writeFile(join(dir, 'users', 'carol'), 'carol-pass\n');
      const store = await openStore(dir, { SASL_USERS: 'alice:alice-pass', SASL_USERS_DIR: join(dir, 'users') });
      assert.deepEqual(store.list(), [
        { user: 'alice', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
        { user: 'carol', credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }, { mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
      ]);
      assert.equal(store.verifyPassword('carol', 'carol-pass'), true, 'the trailing newline of the file is not part of the password');
      assert.equal(store.verifyPassword('alice', 'wrong'), false);
      const file = await readFile(join(dir, '__security', 'scram-credentials.json'), 'utf8');
      assert.equal(file.includes('alice-pass') || file.includes('carol-pass'), false);
    });
  });

  it('alters and describes credentials with Kafka\'s checks, and a restart reads them back', async () => {
    await withTempDir(async (dir) => {
      const handler = new UserScramCredentialsHandler(await openStore(dir));
      const altered = await handler.alter(request(0, {
        deletions: [{ name: 'ghost', mechanism: SHA_256 }],
        upsertions: [upsertion('bob', SHA_512, 'bob-pass', 8192), upsertion('weak', SHA_256, 'x', 1000), upsertion('odd', 9, 'x')],
      }));
      assert.deepEqual(altered.results, [
        { user: 'ghost', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' },
        { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null },
        { user: 'weak', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' },
        { user: 'odd', errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' },
      ]);

      const restarted = await openStore(dir);
      assert.equal(restarted.verifyPassword('bob', 'bob-pass'), true);
      const described = await new UserScramCredentialsHandler(restarted).describe(request(0, { users: [{ name: 'bob' }, { name: 'weak' }] }));
      assert.deepEqual(described.results, [
        { user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: [{ mechanism: SHA_512, iterations: 8192 }] },
        { user: 'weak', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist: weak', credentialInfos: [] },
      ]);

      const deleted = await new UserScramCredentialsHandler(restarted).alter(request(0, { deletions: [{ name: 'bob', mechanism: SHA_512 }], upsertions: [] }));
      assert.deepEqual(deleted.results, [{ user: 'bob', errorCode: ErrorCode.NONE, errorMessage: null }]);
      assert.deepEqual((await openStore(dir)).list(), []);
    });
  });
});
