/**
 * The WAL's only door to the file system (ARCHITECTURE decision 6): every open, read, write,
 * fsync, rename and delete of the storage layer goes through this class, so medium tests can
 * hand the WAL a file system that fails on purpose (disk full, read-only) and the rest of
 * the code stays free of `node:fs`.
 *
 * Files are opened read-write without O_APPEND: the WAL writes at explicit positions
 * (pwritev), so a failed write can be retried or truncated at the last good position.
 */
import { closeSync, constants, fdatasyncSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Injectable } from '@nestjs/common';

/**
 * The consumer-group offset journal's folder in the data directory (written by
 * groups/offset-commit-journal.ts through this class); named here because the WAL owns the
 * data directory's layout and must not take it for a partition.
 */
export const OFFSETS_DIRECTORY = '__consumer_offsets';
/** The transaction coordinator's journal folder (txn/transaction-journal.ts), for the same reason. */
export const TRANSACTIONS_DIRECTORY = '__transaction_state';

/**
 * The folder of the node's own metadata (finalized feature levels and the metadata offset,
 * written by cluster-admin/cluster-metadata-log.ts through this class); its name cannot be
 * taken for a partition directory (those end in `-<number>`).
 */
export const CLUSTER_METADATA_DIRECTORY = '__cluster_metadata';

/**
 * The folder of the ACLs (written by authorizer/acl-store.ts through this class). Unlike the
 * other metadata it is kept in memory mode too: who may do what must survive a restart
 * whatever happens to the records (issue 11).
 */
export const ACLS_DIRECTORY = '__acls';

/** Client quotas and CLIENT_METRICS subscriptions in durable mode (dynamic-config-file.ts). */
export const DYNAMIC_CONFIGS_DIRECTORY = '__configs';

/**
 * The folder of security state (SCRAM credentials, written by
 * authentication/scram-credential-store.ts): kept in both storage modes, since users must
 * survive a restart even when records do not.
 */
export const SECURITY_DIRECTORY = '__security';

/** The uplink's state journal's folder (uplink/uplink-journal.ts), named here for the same reason. */
export const UPLINK_DIRECTORY = '__uplink';

/** One open WAL file. Writes and reads are positional; short writes and reads are completed here. */
export interface WalFile {
  /** Writes every byte of `buffers` at `position` (looping over short writes). */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Reads into `target` from `position`; returns the bytes read (fewer only at end of file). */
  read(target: Buffer, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  sizeBytes(): Promise<number>;
  modifiedAtMs(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A small append-only file written synchronously: each record is in the page cache (it
 * survives the process being killed) before `append` returns. For rare, small records only
 * (committed consumer offsets), where blocking the event loop for a few microseconds is
 * cheaper than an answer that outruns its write.
 */
export interface SyncAppendFile {
  append(data: Buffer): void;
  sync(): void;
  readonly sizeBytes: number;
  close(): void;
}

class NodeSyncAppendFile implements SyncAppendFile {
  private size: number;

  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }

  get sizeBytes(): number {
    return this.size;
  }

  append(data: Buffer): void {
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
    this.size += data.length;
  }

  sync(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

class NodeWalFile implements WalFile {
  constructor(private readonly handle: FileHandle) {}

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending = buffers.filter((buffer) => buffer.length > 0);
    let at = position;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, at);
      if (bytesWritten <= 0) throw new Error(`write of ${pending.length} buffers at ${at} wrote nothing`);
      at += bytesWritten;
      pending = skipBytes(pending, bytesWritten);
    }
  }

  async read(target: Buffer, position: number): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await this.handle.read(target, filled, target.length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.handle.truncate(sizeBytes);
  }

  async sizeBytes(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async modifiedAtMs(): Promise<number> {
    return (await this.handle.stat()).mtimeMs;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The buffers left after the first `bytes` were written (a short write ends mid-buffer). */
function skipBytes(buffers: Buffer[], bytes: number): Buffer[] {
  let left = bytes;
  let index = 0;
  while (index < buffers.length && left >= buffers[index].length) left -= buffers[index++].length;
  const rest = buffers.slice(index);
  if (rest.length > 0 && left > 0) rest[0] = rest[0].subarray(left);
  return rest;
}

@Injectable()
export class WalFileSystem {
  /** Opens (creating if needed) a file for positional reads and writes. */
  async openFile(path: string): Promise<WalFile> {
    return new NodeWalFile(await open(path, constants.O_RDWR | constants.O_CREAT, 0o644));
  }

  /** Opens (creating if needed) a file for synchronous appends (see SyncAppendFile). */
  openSyncAppend(path: string): SyncAppendFile {
    return new NodeSyncAppendFile(openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644));
  }

  /** writeAtomically, synchronously (a compaction that must not interleave with appends). */
  replaceSync(path: string, data: Buffer, sync: boolean): void {
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w', 0o644);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      if (sync) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  }

  /**
   * Space of the file system holding `path`: what an unprivileged process may still write, and
   * the whole size (block counts are in fragment-size units, statvfs f_frsize, as Java's
   * FileStore reads them for Kafka's DescribeLogDirs).
   */
  async space(path: string): Promise<{ freeBytes: number; capacityBytes: number }> {
    const stats = await statfs(path);
    return { freeBytes: stats.bavail * stats.frsize, capacityBytes: stats.blocks * stats.frsize };
  }

  async makeDirectory(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  /** Entry names of a directory; [] when it does not exist. */
  async list(path: string): Promise<string[]> {
    try {
      return await readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async isDirectory(path: string): Promise<boolean> {
    try {
      return (await stat(path)).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** The whole file, or null when it does not exist. */
  async readWhole(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /**
   * Replaces `path` with `data` so that a crash leaves either the old or the new content:
   * write a temporary sibling, (fsync it), rename over the target, (fsync the directory).
   */
  async writeAtomically(path: string, data: Buffer, sync: boolean): Promise<void> {
    const temporary = `${path}.tmp`;
    const file = await open(temporary, 'w', 0o644);
    try {
      await file.writeFile(data);
      if (sync) await file.datasync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    if (sync) await this.syncDirectory(dirname(path));
  }

  /** Makes created, renamed and deleted entries of a directory durable. */
  async syncDirectory(path: string): Promise<void> {
    const directory = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  /** Deletes a file; a file that is already gone is not an error. */
  async deleteFile(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Deletes a directory and everything in it. */
  async deleteTree(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }

  /** Writes, syncs and deletes a small file: succeeds only if the directory takes writes again. */
  async probeWritable(directory: string, bytes: number): Promise<void> {
    const path = `${directory}/.blink-write-probe`;
    try {
      await writeFile(path, Buffer.alloc(bytes), { flush: true });
    } finally {
      await this.deleteFile(path).catch(() => undefined);
    }
  }
}
