/**
 * Helpers the probes share for per-topic and per-group Prometheus series.
 *
 * Cardinality: a broker with thousands of topics or groups must not hand Prometheus
 * thousands of series per metric. The first `metrics_max_entities` topics (and, separately,
 * groups) in creation order get series of their own; creation order keeps a topic's series
 * from flapping when another topic is created. The rest are summed into one series labelled
 * OTHER_ENTITY and counted (blink_metrics_aggregated_topics / _groups).
 *
 * Scrape time: per-partition values are read when Prometheus scrapes (a metric's collect(),
 * which prom-client runs inside registry.metrics()), never on the produce or fetch path.
 */
import type { Counter, Gauge } from 'prom-client';

/**
 * The topic or group label of the series that sums every entity beyond the limit. Names
 * starting with "__" are Kafka's internal topics by convention (__consumer_offsets), so no
 * user topic is expected to take it.
 */
export const OTHER_ENTITY = '__other__';

export interface EntitySplit<T> {
  /** Entities with series of their own, in the order given. */
  readonly own: T[];
  /** Entities summed into the OTHER_ENTITY series. */
  readonly other: T[];
}

/** The first `max` items get series of their own; the rest are summed. */
export function splitEntities<T>(items: Iterable<T>, max: number): EntitySplit<T> {
  const own: T[] = [];
  const other: T[] = [];
  for (const item of items) (own.length < max ? own : other).push(item);
  return { own, other };
}

/**
 * Makes `metric` compute its values on every scrape: `fill` starts from a reset metric (so
 * series of deleted topics or groups disappear). Rebound each time a probe initialises, so a
 * metric shared by several application instances in one process (tests) reads the live one.
 */
export function onScrape<M extends Gauge<string> | Counter<string>>(metric: M, fill: (metric: M) => void | Promise<void>): void {
  Object.assign(metric, {
    collect: function (this: M) {
      this.reset();
      return fill(this);
    },
  });
}
