import { Injectable } from '@nestjs/common';

/**
 * Bytes and batches held by the memory tier across all partitions. Partitions report every
 * change; metrics and (later) the offload policy read the totals.
 */
@Injectable()
export class MemoryAccountant {
  private bytes = 0;
  private batches = 0;

  adjust(bytesDelta: number, batchesDelta: number): void {
    this.bytes += bytesDelta;
    this.batches += batchesDelta;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  get storedBatches(): number {
    return this.batches;
  }
}
