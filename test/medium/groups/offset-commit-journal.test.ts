/**
 * Medium tests (real temporary directories): committed consumer-group offsets are journaled
 * as they change and replayed into a fresh offset store after a restart; a torn last record
 * is cut; the journal compacts to the live offsets once it grows.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { MemoryOffsetStore } from '../../../src/groups/offset-store.js';
import { COMPACT_MIN_BYTES, OffsetCommitJournal } from '../../../src/groups/offset-commit-journal.js';
import { OFFSETS_DIRECTORY, WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { withTempDir } from '../../support/wal-fixtures.js';

function journal(dir: string, fsync = 'always', store = new MemoryOffsetStore()) {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, STORAGE_MODE: 'durable', FSYNC: fsync }, cwd: dir });
  return { store, journal: new OffsetCommitJournal(config, new WalFileSystem(), store) };
}

const committed = (offset: number) => ({ offset, leaderEpoch: 0, metadata: 'm', commitTimestampMs: 1_000, expireTimestampMs: null });

describe('OffsetCommitJournal (medium: real files)', () => {
  it('brings back the last committed offset of every partition, without the deleted ones', async () => {
    await withTempDir(async (dir) => {
      const first = journal(dir);
      assert.equal(await first.journal.recover(), 0);
      first.store.commit('g1', 'orders', 0, committed(5));
      first.store.commit('g1', 'orders', 0, committed(9));
      first.store.commit('g1', 'orders', 1, committed(3));
      first.store.commit('g2', 'orders', 0, committed(7));
      first.store.deleteGroup('g2');
      // No clean shutdown: the records are already in the file.
      const second = journal(dir);
      assert.equal(await second.journal.recover(), 2);
      assert.deepEqual(second.store.get('g1', 'orders', 0), committed(9));
      assert.deepEqual(second.store.get('g1', 'orders', 1), committed(3));
      assert.equal(second.store.hasOffsets('g2'), false);
      second.store.commit('g1', 'orders', 1, committed(4));
      const third = journal(dir);
      await third.journal.recover();
      assert.equal(third.store.get('g1', 'orders', 1)?.offset, 4, 'commits after a recovery are journaled too');
      for (const j of [first, second, third]) j.journal.onApplicationShutdown();
    });
  });

  it('cuts a torn last record and keeps everything before it', async () => {
    await withTempDir(async (dir) => {
      const first = journal(dir);
      await first.journal.recover();
      first.store.commit('g', 't', 0, committed(1));
      first.journal.onApplicationShutdown();
      const path = join(dir, OFFSETS_DIRECTORY, 'commits.log');
      const whole = (await stat(path)).size;
      await appendFile(path, Buffer.from([0, 0, 0, 90, 1, 2, 3, 4, 0x7b]));
      const second = journal(dir);
      assert.equal(await second.journal.recover(), 1);
      assert.equal(second.store.get('g', 't', 0)?.offset, 1);
      assert.equal((await stat(path)).size, whole, 'the torn record is gone');
      second.journal.onApplicationShutdown();
    });
  });

  it('compacts the journal to the live offsets once it passes COMPACT_MIN_BYTES', async () => {
    await withTempDir(async (dir) => {
      const first = journal(dir, 'never');
      await first.journal.recover();
      const commits = Math.ceil(COMPACT_MIN_BYTES / 100) + 10;
      for (let i = 0; i < commits; i++) first.store.commit('g', 't', i % 3, committed(i));
      const size = (await readFile(join(dir, OFFSETS_DIRECTORY, 'commits.log'))).length;
      assert.ok(size < COMPACT_MIN_BYTES, `compacted: ${size} bytes`);
      first.journal.onApplicationShutdown();
      const second = journal(dir);
      assert.equal(await second.journal.recover(), 3);
      assert.equal(second.store.get('g', 't', (commits - 1) % 3)?.offset, commits - 1);
      second.journal.onApplicationShutdown();
    });
  });
});
