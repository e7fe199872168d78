/**
 * Records and bytes moved per partition (produced, fetched), counted on the hot path with
 * two additions on a WeakMap entry and turned into labelled Prometheus counters only at
 * scrape time: a labelled prom-client counter would hash its labels on every request.
 * Entries go with their partition (a deleted topic's tallies are garbage, and its series
 * disappear at the next scrape).
 */
import type { Counter } from 'prom-client';
import { OTHER_ENTITY, onScrape } from '../common/metric-entities.js';
import { ScrapedCount } from '../common/scrape-tallies.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic } from './topic-registry.js';

interface Tally {
  records: number;
  bytes: number;
}

/** Topics with series of their own, and those summed into topic="__other__" (StorageProbe.topicSplit). */
interface TopicSplit {
  readonly own: readonly Topic[];
  readonly other: readonly Topic[];
}

/** The four counters of what one path moves (produced, fetched): records and bytes, in total and per partition. */
export interface FlowCounters {
  readonly records: Counter;
  readonly bytes: Counter;
  readonly partitionRecords: Counter<string>;
  readonly partitionBytes: Counter<string>;
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
  fill(counter: Counter<string>, field: keyof Tally, split: TopicSplit): void {
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

/**
 * What one path moves (the produce probe's appends, the fetch probe's answers): the totals
 * counted per batch and handed over at scrape (common/scrape-tallies.ts), and the per-partition
 * tallies their labelled counters are filled from at scrape.
 */
export class PartitionFlow {
  private readonly tallies = new PartitionTallies();
  private readonly records: ScrapedCount;
  private readonly bytes: ScrapedCount;

  constructor(private readonly counters: FlowCounters) {
    this.records = new ScrapedCount(counters.records);
    this.bytes = new ScrapedCount(counters.bytes);
  }

  /** Has the per-partition counters computed at each scrape, split by `split` (the probe's onModuleInit: onScrape rebinds them to this application). */
  fillOnScrape(split: () => TopicSplit): void {
    onScrape(this.counters.partitionRecords, (counter) => this.tallies.fill(counter, 'records', split()));
    onScrape(this.counters.partitionBytes, (counter) => this.tallies.fill(counter, 'bytes', split()));
  }

  add(log: PartitionLog, records: number, bytes: number): void {
    this.records.add(records);
    this.bytes.add(bytes);
    this.tallies.add(log, records, bytes);
  }
}
