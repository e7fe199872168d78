/**
 * Counts and histograms the produce and fetch paths update on every request, kept as plain
 * numbers and handed to their prom-client metric when Prometheus scrapes (the metric's
 * collect(), run inside registry.metrics()). prom-client allocates on every inc() and
 * observe() (a labels object, a closure, a hash string): at thousands of requests a second
 * that garbage alone brought a young-generation collection every ~100 ms.
 * Only unlabelled metrics: a labelled series is computed at scrape time from its own tallies
 * (metric-entities.ts, storage/partition-tallies.ts).
 */
import type { Counter, Histogram } from 'prom-client';

/** A Counter's increments since the last scrape. */
export class ScrapedCount {
  private pending = 0;

  /** Rebinds `counter` to this tally (a metric shared by several application instances in one process reads the live one). */
  constructor(counter: Counter) {
    Object.assign(counter, {
      collect: () => {
        if (this.pending > 0) counter.inc(this.pending);
        this.pending = 0;
      },
    });
  }

  add(amount: number): void {
    this.pending += amount;
  }
}

/** prom-client's state of one histogram series: per-bucket (not cumulative) counts keyed by upper bound. */
interface HistogramSeries {
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** A Histogram's observations since the last scrape, counted in its buckets. */
export class ScrapedHistogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    private readonly histogram: Histogram,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    Object.assign(histogram, { collect: () => this.handOver() });
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
  }

  /**
   * prom-client has no bulk observe: the tallies are added to the series state its observe()
   * updates (an unlabelled histogram has exactly one, created by zero()); the +Inf bucket is
   * the count, so observations above the last bound only count there.
   */
  private handOver(): void {
    if (this.count === 0) return;
    const state = this.histogram as unknown as { hashMap: Record<string, HistogramSeries> };
    if (Object.keys(state.hashMap).length === 0) this.histogram.zero({});
    const series = Object.values(state.hashMap)[0];
    this.bounds.forEach((bound, i) => {
      series.bucketValues[bound] += this.counts[i];
    });
    series.sum += this.sum;
    series.count += this.count;
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
