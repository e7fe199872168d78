/**
 * Appends record batches to one segment's .log file, always at the end of what was written
 * successfully before (a positional writev), so a failed write leaves nothing that a later
 * write does not overwrite, and `discardTail` can cut it off explicitly.
 *
 * Invariant: `sizeBytes` counts only bytes of writes that completed; a write that throws
 * does not move it.
 */
import type { WalFile } from './wal-file-system.js';

export class SegmentWriter {
  private written: number;
  private unsynced = false;

  constructor(
    private readonly file: WalFile,
    sizeBytes: number,
  ) {
    this.written = sizeBytes;
  }

  get sizeBytes(): number {
    return this.written;
  }

  get hasUnsyncedWrites(): boolean {
    return this.unsynced;
  }

  async append(buffers: readonly Buffer[], bytes: number): Promise<void> {
    await this.file.writev(buffers, this.written);
    this.written += bytes;
    this.unsynced = true;
  }

  /** fdatasync when something was written since the last sync. */
  async sync(): Promise<void> {
    if (!this.unsynced) return;
    this.unsynced = false;
    try {
      await this.file.datasync();
    } catch (error) {
      this.unsynced = true;
      throw error;
    }
  }

  /** Cuts whatever a failed write may have left after `sizeBytes`. */
  async discardTail(): Promise<void> {
    await this.file.truncate(this.written);
  }
}
