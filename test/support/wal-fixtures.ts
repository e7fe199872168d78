/**
 * Helpers for the WAL's medium tests: temporary directories, stored batches with assigned
 * offsets (built like a producer builds them, test/support/batch-builder.ts), a WAL policy
 * and dependencies, and a file system that fails on demand (disk full, read-only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { RecordBatchView } from '../../src/record-format/record-batch.js';
import type { StoredBatch } from '../../src/storage/stored-batch.js';
import { DiskReadLimiter } from '../../src/wal/disk-read-limiter.js';
import type { Clock } from '../../src/common/clock.js';
import { loadSettings } from '../../src/config/settings.js';
import { WalHealth } from '../../src/wal/wal-health.js';
import type { PartitionWalHooks, WalDependencies, WalPolicy } from '../../src/wal/partition-wal.js';
import { WalFileSystem, type WalFile } from '../../src/wal/wal-file-system.js';
import { buildBatch, type BatchOptions } from './batch-builder.js';
import { FakeClock } from './fake-clock.js';

export async function withTempDir<T>(body: (dir: string) => Promise<T>, name = 'medium'): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `blink-${name}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A batch of `records` records whose values are `valueBytes` long, stored at `baseOffset`. */
export function storedBatch(baseOffset: number, records = 1, valueBytes = 100, appendTimeMs = 1_000, options: BatchOptions = {}): StoredBatch {
  const buffer = buildBatch(
    Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`k${String(baseOffset + i).padStart(10, '0')}`), value: Buffer.alloc(valueBytes, (baseOffset + i) & 0xff) })),
    { baseTimestamp: appendTimeMs, ...options },
  );
  const view = new RecordBatchView(buffer);
  view.assignOffsets(baseOffset, 0);
  return { baseOffset, lastOffset: baseOffset + records - 1, buffer, appendTimeMs };
}

/** Consecutive batches from `firstOffset`: `count` batches of `recordsEach` records. */
export function storedBatches(firstOffset: number, count: number, recordsEach = 1, valueBytes = 100): StoredBatch[] {
  return Array.from({ length: count }, (_, i) => storedBatch(firstOffset + i * recordsEach, recordsEach, valueBytes, 1_000 + i));
}

export function policy(overrides: Partial<{ segmentBytes: number; segmentMs: number; syncEachWrite: boolean; syncStructure: boolean; keepLastSegment: boolean }> = {}): WalPolicy {
  const segmentBytes = overrides.segmentBytes ?? 1024 * 1024;
  const segmentMs = overrides.segmentMs ?? 7 * 86_400_000;
  return {
    segmentBytes: () => segmentBytes,
    segmentMs: () => segmentMs,
    syncEachWrite: overrides.syncEachWrite ?? false,
    syncStructure: overrides.syncStructure ?? false,
    keepLastSegment: overrides.keepLastSegment ?? true,
  };
}

export class RecordingHooks implements PartitionWalHooks {
  readonly failures: Error[] = [];
  snapshot: Buffer | null = null;
  producerSnapshot(): Buffer | null {
    return this.snapshot;
  }
  failed(error: Error): void {
    this.failures.push(error);
  }
}

/** A silent logger that remembers warnings (recovery reports what it cut there) and log lines. */
export class RecordingLogger extends Logger {
  readonly warnings: string[] = [];
  readonly logs: string[] = [];
  constructor() {
    super('test');
  }
  override log(message: unknown): void {
    this.logs.push(String(message));
  }
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  override error(): void {}
}

export function dependencies(fs: WalFileSystem = new WalFileSystem(), clock: Clock = new FakeClock()): WalDependencies & { log: RecordingLogger } {
  return { fs, limiter: new DiskReadLimiter(), log: new RecordingLogger(), clock };
}

/** A real file system whose writes fail with `code` (e.g. ENOSPC) while `failing` is set. */
export class FaultyFileSystem extends WalFileSystem {
  failing: string | null = null;

  override async openFile(path: string): Promise<WalFile> {
    if (this.failing !== null) throw errno(this.failing, `open ${path}`);
    const file = await super.openFile(path);
    const fs = this;
    return {
      async writev(buffers, position) {
        if (fs.failing !== null) {
          // A disk that fills up mid-write leaves part of it behind.
          await file.writev([buffers[0].subarray(0, Math.min(buffers[0].length, 17))], position);
          throw errno(fs.failing, 'write');
        }
        return file.writev(buffers, position);
      },
      read: (target, position) => file.read(target, position),
      datasync: () => (fs.failing !== null ? Promise.reject(errno(fs.failing, 'fdatasync')) : file.datasync()),
      truncate: (size) => file.truncate(size),
      sizeBytes: () => file.sizeBytes(),
      modifiedAtMs: () => file.modifiedAtMs(),
      close: () => file.close(),
    };
  }

  override async writeAtomically(path: string, data: Buffer, sync: boolean): Promise<void> {
    if (this.failing !== null) throw errno(this.failing, `write ${path}`);
    return super.writeAtomically(path, data, sync);
  }

  override async probeWritable(directory: string, bytes: number): Promise<void> {
    if (this.failing !== null) throw errno(this.failing, 'probe');
    return super.probeWritable(directory, bytes);
  }
}

function errno(code: string, what: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${what}`);
  error.code = code;
  return error;
}

/** Appends through the callback API and resolves with each batch's outcome, in order. */
export function appendAll(wal: { append(batch: StoredBatch, done: (error: Error | null) => void): void }, batches: readonly StoredBatch[]): Promise<Array<Error | null>> {
  return Promise.all(batches.map((batch) => new Promise<Error | null>((resolve) => wal.append(batch, resolve))));
}

/**
 * Runs `body` with a WalHealth over `fs` whose record_storage_path is `dir` (on a fake clock: its
 * timer never fires, the test calls probe()), the WAL hooks that report failures to it, and
 * every Nest log line of any level collected in `lines`; restores the logger and stops the health after.
 */
export async function withWalHealth(dir: string, fs: WalFileSystem, body: (health: WalHealth, hooks: PartitionWalHooks, lines: string[]) => Promise<void>): Promise<void> {
  const health = new WalHealth(loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir }, cwd: dir }), fs, new FakeClock());
  const hooks: PartitionWalHooks = { producerSnapshot: () => null, failed: (error, part) => health.reportFailure(error, part) };
  const lines: string[] = [];
  Logger.overrideLogger({ log: (message: string) => lines.push(message), warn: (message: string) => lines.push(message), error: (message: string) => lines.push(message) });
  try {
    await body(health, hooks, lines);
  } finally {
    Logger.overrideLogger(false);
    health.onApplicationShutdown();
  }
}
