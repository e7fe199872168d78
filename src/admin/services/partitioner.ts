import { Injectable } from '@nestjs/common';

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as the Java producer hashes keys. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) {
    h ^= data[whole];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Picks the partition of a REST produce that names none: a keyed request goes where the
 * Java client's default partitioner would send that key (murmur2 of the first record's
 * key), so REST and Kafka producers agree on where a key lives; a request without a key
 * goes round-robin over the topic's partitions.
 */
/** Round-robin positions kept; beyond this (topics come and go) they start over. */
const ROUND_ROBIN_TOPICS_MAX = 10_000;

@Injectable()
export class RestPartitioner {
  private readonly nextByTopic = new Map<string, number>();

  choose(topic: string, partitionCount: number, key: Uint8Array | null): number {
    if (key !== null) return (murmur2(key) & 0x7fffffff) % partitionCount;
    if (this.nextByTopic.size >= ROUND_ROBIN_TOPICS_MAX && !this.nextByTopic.has(topic)) this.nextByTopic.clear();
    const next = this.nextByTopic.get(topic) ?? 0;
    this.nextByTopic.set(topic, (next + 1) % partitionCount);
    return next % partitionCount;
  }
}
