/**
 * The Node.js process metrics on /prometheus: prom-client's default metrics (what
 * `collectDefaultMetrics()` registers), with Blink's own `nodejs_gc_duration_seconds`.
 *
 * prom-client's GC observer (prom-client/lib/metrics/gc.js) reads only the first entry of each
 * PerformanceObserver batch: Node hands an observer every GC of an event-loop turn in one batch,
 * so GCs that land in one turn counted once (`gc(); gc()`: 2 entries, count 1). This one has the
 * same name, help, `kind` labels and buckets and observes every entry. `collectDefaultMetrics`
 * has no per-metric switch, so the other default metrics are registered one by one from
 * prom-client's own modules (the list of prom-client 15's lib/defaultMetrics.js, gc left out; a
 * unit test compares the names with what `collectDefaultMetrics` registers).
 *
 * Garbage per GC: the entry Node builds for any `gc` observer (~4.3 KB, bench/README), the
 * batch's array, and one `observe` (no label object made per GC: one per kind, made here).
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { Histogram, type Registry, register as globalRegistry } from 'prom-client';
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import version from 'prom-client/lib/metrics/version.js';

/** The metric's name (prom-client's). */
export const GC_DURATION_METRIC = 'nodejs_gc_duration_seconds';
/** prom-client's buckets for it (DEFAULT_GC_DURATION_BUCKETS), in seconds. */
const GC_DURATION_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** prom-client's default metrics but its GC observer, in its order; `eventLoopMonitoringPrecision` is its default. */
const DEFAULT_METRICS = [
  processCpuTotal,
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
];

/**
 * Registers the process metrics in `registry` (prom-client's process-wide one by default) and
 * starts the GC observer; nothing when `registry` has them already (a second broker in one
 * process). The observer lives as long as the process (as prom-client's did).
 */
export function registerProcessMetrics(registry: Registry = globalRegistry): void {
  if (registry.getSingleMetric(GC_DURATION_METRIC) !== undefined) return;
  for (const metric of DEFAULT_METRICS) metric(registry, { eventLoopMonitoringPrecision: 10 });
  observeGcDurations(registry);
}

/** `nodejs_gc_duration_seconds{kind}`, fed by every `gc` entry of every batch. */
function observeGcDurations(registry: Registry): void {
  const histogram = new Histogram({
    name: GC_DURATION_METRIC,
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    labelNames: ['kind'],
    enableExemplars: false,
    buckets: GC_DURATION_BUCKETS,
    registers: [registry],
  });
  // One label set per kind (Node's `detail.kind`), made once; a kind Node does not name has none and is not counted.
  const labels: { kind: string }[] = [];
  labels[constants.NODE_PERFORMANCE_GC_MAJOR] = { kind: 'major' };
  labels[constants.NODE_PERFORMANCE_GC_MINOR] = { kind: 'minor' };
  labels[constants.NODE_PERFORMANCE_GC_INCREMENTAL] = { kind: 'incremental' };
  labels[constants.NODE_PERFORMANCE_GC_WEAKCB] = { kind: 'weakcb' };
  // Every kind's series exported from the first scrape, at zero: rate() and increase() see the first collection of a kind, and a check reading the count finds it before one ran.
  for (const kind of labels) if (kind !== undefined) histogram.zero(kind);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = labels[(entry as PerformanceEntry & { detail: { kind: number } }).detail.kind];
      if (kind !== undefined) histogram.observe(kind, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
