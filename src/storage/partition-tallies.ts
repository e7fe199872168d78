/**
 * Records and bytes moved per partition (produced, fetched), counted on the hot path with
 * two additions on a WeakMap entry and turned into labelled Prometheus counters only at
 * scrape time: a labelled prom-client counter would hash its labels on every request.
 * Entries go with their partition (a deleted topic's tallies are garbage, and its series
 * disappear at the next scrape).
 */
import type { Counter } from 'prom-client';
import { OTHER_ENTITY } from '../common/metric-entities.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic } from './topic-registry.js';

interface Tally {
  records: number;
  bytes: number;
}

export class PartitionTallies {
  private readonly tallies = new WeakMap<PartitionLog, Tally>();

  add(log: PartitionLog, records: number, bytes: number): void {
    const tally = this.tallies.get(log);
    if (tally === undefined) {
      this.tallies.set(log, { records, bytes });
      return;
    }
    tally.records += records;
    tally.bytes += bytes;
  }

  /** Sets the (reset) counter to the `field` tallies: a series per partition of `own` topics, one summed series for `other`. */
  fill(counter: Counter<string>, field: keyof Tally, split: { readonly own: readonly Topic[]; readonly other: readonly Topic[] }): void {
    for (const topic of split.own) {
      for (const log of topic.partitions) {
        const tally = this.tallies.get(log);
        if (tally !== undefined) counter.inc({ topic: topic.name, partition: String(log.partition) }, tally[field]);
      }
    }
    if (split.other.length === 0) return;
    let sum = 0;
    for (const topic of split.other) for (const log of topic.partitions) sum += this.tallies.get(log)?.[field] ?? 0;
    counter.inc({ topic: OTHER_ENTITY, partition: '' }, sum);
  }
}
