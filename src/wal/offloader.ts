/**
 * Frees memory-tier bytes, oldest batches first across all partitions (by broker append
 * time, the seed's "global coordination"):
 * - memory mode: the batches are written to their partition's WAL (one write per partition
 *   and round) and their memory copies dropped once written; a failed write keeps them in
 *   memory (nothing is lost, the WAL reports the failure);
 * - durable mode: memory is a cache of the log tail, so the copies are simply dropped.
 * Either way the log start offset does not move: fetches read the batches back from disk.
 *
 * Bounded: one round selects at most OFFLOAD_ROUND_BYTES_MAX; candidates come from a heap
 * holding one entry per partition.
 */
import { Injectable } from '@nestjs/common';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { StoredBatch } from '../storage/stored-batch.js';
import { TopicRegistry } from '../storage/topic-registry.js';
import { WalProbe } from './wal.probe.js';
import { WalStore } from './wal-store.js';

export const OFFLOAD_ROUND_BYTES_MAX = 64 * 1024 * 1024;

interface Candidate {
  readonly log: PartitionLog;
  readonly batches: Iterator<StoredBatch>;
  batch: StoredBatch;
}

@Injectable()
export class Offloader {
  /** The error of the last round whose WAL write failed, until a round writes again (memory relief says why it stalls). */
  lastWriteError: Error | null = null;

  constructor(
    private readonly topics: TopicRegistry,
    private readonly store: WalStore,
    private readonly probe: WalProbe,
    private readonly accountant: MemoryAccountant,
  ) {}

  /**
   * One round: frees (or starts freeing) about `bytesWanted`; resolves with the bytes freed.
   * The batches being written are views of pooled memory: each is held (retained) until it is
   * written, in case retention drops it meanwhile (a pin would hold whole slabs).
   */
  async relieve(bytesWanted: number): Promise<number> {
    const selected = this.selectOldest(Math.min(bytesWanted, OFFLOAD_ROUND_BYTES_MAX));
    if (this.store.durable) {
      let freed = 0;
      for (const [log, batches] of selected) freed += log.evictThrough(batches[batches.length - 1].lastOffset);
      return freed;
    }
    const freed = await Promise.all([...selected].map(([log, batches]) => this.offload(log, batches)));
    const total = freed.reduce((sum, bytes) => sum + bytes, 0);
    if (total > 0) this.lastWriteError = null;
    return total;
  }

  /** Oldest memory batches not yet offloaded, grouped per partition (each group contiguous, oldest first). */
  private selectOldest(bytesWanted: number): Map<PartitionLog, StoredBatch[]> {
    const heap = new CandidateHeap();
    for (const topic of this.topics.all()) {
      for (const log of topic.partitions) {
        if (log.cold === null) continue;
        const batches = this.offloadable(log);
        const first = batches.next();
        if (!first.done) heap.push({ log, batches, batch: first.value });
      }
    }
    const selected = new Map<PartitionLog, StoredBatch[]>();
    let bytes = 0;
    while (bytes < bytesWanted && heap.size > 0) {
      const oldest = heap.pop();
      const group = selected.get(oldest.log) ?? [];
      group.push(oldest.batch);
      selected.set(oldest.log, group);
      bytes += oldest.batch.buffer.length;
      const next = oldest.batches.next();
      if (next.done) continue;
      oldest.batch = next.value;
      heap.push(oldest);
    }
    return selected;
  }

  /** Durable mode: every memory batch (a cache of the log); memory mode: those past the ones being written (not walked). */
  private offloadable(log: PartitionLog): Iterator<StoredBatch> {
    return log.memoryBatchesFrom(this.store.durable ? log.memoryStartOffset : log.offloadedUpTo);
  }

  private offload(log: PartitionLog, batches: StoredBatch[]): Promise<number> {
    const cold = log.cold;
    if (cold === null) return Promise.resolve(0);
    const last = batches[batches.length - 1];
    log.offloadedUpTo = last.lastOffset + 1;
    this.probe.offloadStarted(batches.length);
    const memory = this.accountant.memory;
    for (const batch of batches) memory.retain(batch.buffer);
    return new Promise((resolve) => {
      let failedAt: number | null = null;
      let writeError: Error | null = null;
      batches.forEach((batch, i) => {
        cold.append(batch, (error) => {
          memory.release(batch.buffer);
          if (error !== null && failedAt === null) {
            failedAt = batch.baseOffset;
            writeError = error;
          }
          if (i !== batches.length - 1) return;
          if (failedAt !== null) {
            this.lastWriteError = writeError;
            log.offloadedUpTo = Math.min(log.offloadedUpTo, failedAt);
            resolve(0);
          } else {
            resolve(log.evictThrough(last.lastOffset));
          }
        });
      });
    });
  }
}

/** A binary min-heap of partitions keyed by their next candidate's append time. */
class CandidateHeap {
  private readonly items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent].batch.appendTimeMs <= items[at].batch.appendTimeMs) break;
      [items[parent], items[at]] = [items[at], items[parent]];
      at = parent;
    }
  }

  pop(): Candidate {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as Candidate;
    if (items.length > 0) {
      items[0] = last;
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        const right = left + 1;
        let smallest = at;
        if (left < items.length && items[left].batch.appendTimeMs < items[smallest].batch.appendTimeMs) smallest = left;
        if (right < items.length && items[right].batch.appendTimeMs < items[smallest].batch.appendTimeMs) smallest = right;
        if (smallest === at) break;
        [items[smallest], items[at]] = [items[at], items[smallest]];
        at = smallest;
      }
    }
    return top;
  }
}
