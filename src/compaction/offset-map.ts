/**
 * The log cleaner's map from record key to the offset of its latest record in the dirty
 * section (Kafka's SkimpyOffsetMap). Keys are kept whole (their bytes as a latin1 string),
 * so there are no hash collisions; the map is bounded by an estimate of the memory it takes
 * (`bytesMax`): once full, the cleaner cleans only up to the last batch it mapped and goes on
 * from there next time, as Kafka does when its dedupe buffer is full.
 */

/** What one entry costs besides its key's bytes (a Map slot, a string header, a number). */
const ENTRY_OVERHEAD_BYTES = 64;
/** Kafka's log.cleaner.dedupe.buffer.size default is 128 MiB for all cleaner threads; one pass here gets half. */
export const OFFSET_MAP_BYTES_MAX = 64 * 1024 * 1024;

export class OffsetMap {
  private readonly offsets = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly bytesMax = OFFSET_MAP_BYTES_MAX) {}

  get size(): number {
    return this.offsets.size;
  }

  get isFull(): boolean {
    return this.bytes >= this.bytesMax;
  }

  /** Records `offset` as the latest of `key` (offsets are put in ascending order). */
  put(key: Uint8Array, offset: number): void {
    const name = keyName(key);
    if (!this.offsets.has(name)) this.bytes += key.length + ENTRY_OVERHEAD_BYTES;
    this.offsets.set(name, offset);
  }

  /** The latest offset of `key` in the mapped range, or -1. */
  latest(key: Uint8Array): number {
    return this.offsets.get(keyName(key)) ?? -1;
  }
}

function keyName(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}
