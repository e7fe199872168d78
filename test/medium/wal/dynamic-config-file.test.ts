/**
 * Medium tests (real temporary directory): the small config files of durable mode
 * (dynamic-config-file.ts) through the client quotas that use them: every change replaces
 * `__configs/client-quotas.json` whole (no temporary file left behind), a new broker over the
 * same directory gets the quotas back, and a file that is not ours stops the boot.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { loadSettings } from '../../../src/config/settings.js';
import { ClientQuotas } from '../../../src/quotas/client-quotas.service.js';
import { DynamicConfigFiles } from '../../../src/wal/dynamic-config-file.js';
import { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { FakeClock } from '../../support/fake-clock.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

function quotasOver(dir: string, mode = 'durable'): ClientQuotas {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, STORAGE_MODE: mode }, cwd: dir });
  return new ClientQuotas(config, new FakeClock(), new DynamicConfigFiles(config, new WalFileSystem()));
}

const userQuota = (name: string | null, key: string, value: number) => ({ entity: [{ entityType: 'user', entityName: name }], ops: [{ key, value, remove: false }] });

describe('durable client quotas on disk', () => {
  it('replaces the quota file on every change and brings the quotas back in a new broker', async () => {
    await withTempDir(async (dir) => {
      const first = quotasOver(dir);
      await first.alter([userQuota('alice', 'producer_byte_rate', 1000), userQuota(null, 'consumer_byte_rate', 2000)], false);
      await first.alter([{ entity: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 0, remove: true }] }], false);
      assert.deepEqual(await readdir(join(dir, '__configs')), ['client-quotas.json'], 'no temporary file left');
      const saved = JSON.parse(await readFile(join(dir, '__configs', 'client-quotas.json'), 'utf8')) as { version: number; entries: unknown[] };
      assert.deepEqual(saved, { version: 1, entries: [{ entity: [{ entityType: 'user', entityName: null }], values: { consumer_byte_rate: 2000 } }] });

      const second = quotasOver(dir);
      assert.equal(await second.recover(), 1);
      assert.equal(second.maxBytesInWindow('fetch', { user: 'anyone', clientId: 'c' }), 2000 * 10);
      assert.equal(second.maxBytesInWindow('produce', { user: 'alice', clientId: 'c' }), Infinity);
    });
  });

  it('stops the boot on a quota file that is not Blink\'s', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, '__configs'));
      await writeFile(join(dir, '__configs', 'client-quotas.json'), '{"quotas": []}');
      await assert.rejects(quotasOver(dir).recover(), /not a Blink config file/);
      await writeFile(join(dir, '__configs', 'client-quotas.json'), '{not json');
      await assert.rejects(quotasOver(dir).recover(), /not valid JSON/);
    });
  });

  it('starts with no quotas when there is no file', async () => {
    await withTempDir(async (dir) => {
      assert.equal(await quotasOver(dir).recover(), 0);
    });
  });
});
