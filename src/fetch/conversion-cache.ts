/**
 * Down-converted batches kept for the next old consumer (Fetch v0-3) that reads them: legacy
 * consumers re-read (several groups, restarts, the same offsets after a rebalance), and a
 * conversion decompresses and re-encodes every record of a batch.
 *
 * Bounded by bytes (converted messages plus their index), least recently used first out; an
 * entry larger than a quarter of the bound is not kept, so one huge batch cannot flush the
 * rest. Keys name the batch (topic, partition, base offset, magic); an entry also records the
 * batch's CRC-32C and length and is used only while they match, so a topic deleted and
 * created again with the same name, or a batch rewritten in place, is converted afresh.
 */
import type { ConvertedBatch } from '../record-format/legacy-down-conversion.js';

interface Entry {
  readonly crc: number;
  readonly batchBytes: number;
  readonly converted: ConvertedBatch;
  readonly sizeBytes: number;
}

/** Names one stored batch (its identity besides the checks of Entry). */
export interface BatchKey {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly magic: number;
  readonly crc: number;
  readonly batchBytes: number;
}

function sizeOf(converted: ConvertedBatch): number {
  return converted.bytes.length + converted.offsets.byteLength + converted.ends.byteLength;
}

function keyOf(key: BatchKey): string {
  return `${key.topic}\u0000${key.partition}\u0000${key.baseOffset}\u0000${key.magic}`;
}

export class ConversionCache {
  private readonly entries = new Map<string, Entry>();
  private sizeBytes = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.sizeBytes;
  }

  get(key: BatchKey): ConvertedBatch | undefined {
    const name = keyOf(key);
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    this.entries.delete(name);
    if (entry.crc !== key.crc || entry.batchBytes !== key.batchBytes) {
      this.sizeBytes -= entry.sizeBytes;
      return undefined;
    }
    this.entries.set(name, entry);
    return entry.converted;
  }

  put(key: BatchKey, converted: ConvertedBatch): void {
    const sizeBytes = sizeOf(converted);
    if (sizeBytes > this.maxBytes / 4) return;
    const name = keyOf(key);
    const previous = this.entries.get(name);
    if (previous !== undefined) {
      this.entries.delete(name);
      this.sizeBytes -= previous.sizeBytes;
    }
    for (const [oldest, entry] of this.entries) {
      if (this.sizeBytes + sizeBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.sizeBytes -= entry.sizeBytes;
    }
    this.entries.set(name, { crc: key.crc, batchBytes: key.batchBytes, converted, sizeBytes });
    this.sizeBytes += sizeBytes;
  }
}
