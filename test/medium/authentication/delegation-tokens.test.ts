/**
 * Medium tests (real temporary directory, no sockets) of the delegation token store: tokens
 * written to `__security/delegation-tokens.json` (mode 0600, no HMAC in it) and read back by
 * the next store, expired tokens dropped at boot, and a changed secret key invalidating the
 * HMACs of the tokens kept.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DelegationTokenStore } from '../../../src/authentication/delegation-token-store.js';
import { loadSettings } from '../../../src/config/settings.js';
import { FakeClock } from '../../support/fake-clock.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

async function openStore(dir: string, clock: FakeClock, secret = 'key-one', storageMode = 'durable'): Promise<DelegationTokenStore> {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, DELEGATION_TOKEN_SECRET_KEY: secret, STORAGE_MODE: storageMode }, cwd: dir });
  const store = new DelegationTokenStore(config, clock);
  await store.onModuleInit();
  return store;
}

describe('delegation token store on disk', () => {
  for (const mode of ['durable', 'memory']) {
    it(`keeps tokens across a restart in ${mode} mode, without their HMACs in the file`, async () => {
      await withTempDir(async (dir) => {
        const clock = new FakeClock();
        const first = await openStore(dir, clock, 'key-one', mode);
        const token = await first.create('User:alice', 'User:alice', ['User:bob'], -1);
        const hmac = first.hmacOf(token.tokenId);
        first.onModuleDestroy();
        const path = join(dir, '__security', 'delegation-tokens.json');
        const text = await readFile(path, 'utf8');
        assert.equal(text.includes(hmac.toString('base64')), false);
        assert.equal((await stat(path)).mode & 0o777, 0o600);
        const second = await openStore(dir, clock, 'key-one', mode);
        assert.deepEqual(second.all(), [token]);
        assert.deepEqual(second.byHmac(hmac), token);
        second.onModuleDestroy();
      });
    });
  }

  it('drops tokens that expired while the broker was down, and a new key makes old HMACs unknown', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const first = await openStore(dir, clock);
      const shortLived = await first.create('User:alice', 'User:alice', [], 60_000);
      const kept = await first.create('User:alice', 'User:alice', [], -1);
      const oldHmac = first.hmacOf(kept.tokenId);
      first.onModuleDestroy();
      clock.advance(120_000);
      const second = await openStore(dir, clock, 'key-two');
      assert.deepEqual(second.all().map((t) => t.tokenId), [kept.tokenId]);
      assert.equal(second.all().some((t) => t.tokenId === shortLived.tokenId), false);
      assert.equal(second.byHmac(oldHmac), undefined);
      second.onModuleDestroy();
    });
  });
});
