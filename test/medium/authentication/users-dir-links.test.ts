/**
 * sasl_users_dir as Kubernetes mounts a Secret (each key a symbolic link into a `..data`
 * directory, swapped atomically on update) and as the systemd unit builds it (links into
 * $CREDENTIALS_DIRECTORY): the linked files are users, the dot-directories are not.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ScramCredentialStore } from '../../../src/authentication/scram-credential-store.js';
import { loadSettings } from '../../../src/config/settings.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

it('reads the users of a directory laid out like a mounted Secret', async () => {
  await withTempDir(async (dir) => {
    const users = join(dir, 'users');
    await mkdir(join(users, '..2026_12_03_17_00_00.000000001'), { recursive: true });
    await writeFile(join(users, '..2026_12_03_17_00_00.000000001', 'alice'), 'alice-pass');
    await symlink('..2026_12_03_17_00_00.000000001', join(users, '..data'));
    await symlink(join('..data', 'alice'), join(users, 'alice'));
    const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: join(dir, 'records'), SASL_USERS_DIR: users }, cwd: dir });
    const store = new ScramCredentialStore(config);
    await store.onModuleInit();
    assert.deepEqual(store.list().map((entry) => entry.user), ['alice']);
    assert.equal(store.verifyPassword('alice', 'alice-pass'), true);
  });
});
