/**
 * Gives back the memory the boot used once the broker is up and idle: memory-reducing full
 * collections, as V8's own memory reducer runs some 8-10 s into an idle period, but soon after
 * the boot and a little deeper. After the boot the heap holds what only the boot needed (Nest's
 * module scan, the bundle's evaluation, the bytecode of functions that ran once) and V8 keeps
 * the pages it grew into: the young generation at its grown size (--max-semi-space-size), old
 * space pages that compaction would empty. A "last resort" collection (V8's
 * CollectAllAvailableGarbage: several rounds with the reduce-memory flag) compacts old space,
 * shrinks the young generation and releases the freed pages; repeated, it also flushes the
 * bytecode of functions that have not run since the boot (boot-only code: compiled again from
 * the bundle's source should it ever run again).
 *
 * Measured (bench/boot.mjs --idle, RSS 1 s after /health/ready, medians of 8 interleaved
 * boots): 105.7 -> 91.1 MiB, all of it anonymous memory (the ~50 MiB of file pages, mostly the
 * node binary's, stay).
 * The cost: the old generation's allocation limit starts again from the trimmed size, so the
 * first load after the trim runs more full collections while the limit grows back (1 M x 100 B
 * produced, then 5 s of 10,000 msg/s: 9 instead of 2-3, 70-190 ms more GC time in all): the
 * state V8's memory reducer leaves a broker in anyway after 8 s of idleness.
 *
 * Only when idle: the collections stop the main thread for ~150-300 ms, so it runs
 * TRIM_DELAY_MS after the boot if the event loop was nearly idle over that time, else it
 * looks again, at most TRIM_ATTEMPTS times (a broker under load from the start is left to V8's
 * memory reducer). For the server process only (main.ts): an embedded broker's heap is its
 * host's. The same holds for `idleCollector`: main.ts hands it to the application (AppOptions),
 * which gives it to the batch pool; an embedded broker and the tests give none.
 *
 * `gc` is not exposed by default: --expose-gc is switched on just long enough to take `gc` from
 * a new context and switched off again, so V8's flags (which the bundle's code cache is checked
 * against, start.ts) are as they were; the start command keeps no extra flag.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long the event loop must have been (nearly) idle before the collection runs. */
const TRIM_DELAY_MS = 250;
/** Event-loop utilization over TRIM_DELAY_MS below which the broker counts as idle. */
const IDLE_UTILIZATION = 0.2;
/** How many TRIM_DELAY_MS windows are tried before giving up (V8's memory reducer remains). */
const TRIM_ATTEMPTS = 40;
/**
 * Collections: each ages the bytecode of the functions that did not run since the one before,
 * and the oldest is flushed; the third flushes about 1.5 MiB more than two (~70 ms more pause).
 * Fewer do not reach the same idle RSS (bench/README, lat13: one or two leave ~2.2 MiB more
 * anonymous memory, 79.5-79.8 vs 77.4 MiB; a regular, non-reducing collection first, +2.9;
 * three regular ones keep the young generation but +14 MiB). Every memory-reducing collection
 * shrinks the young generation to its start size (--min-semi-space-size, 1 MiB by default: a
 * start flag; setting it at run time does nothing), and V8 grows it again only at a
 * mark-compact: the first load after the trim runs more, smaller scavenges until one comes.
 */
const COLLECTIONS = 3;

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'regular' | 'last-resort' }) => void;

/** When to look for an idle window, and how often (tests shorten them). */
export interface TrimSchedule {
  readonly delayMs: number;
  readonly attempts: number;
}

/**
 * Runs the collection in the first idle window of `delayMs` after now; resolves true once it
 * ran, false when the broker stayed busy for `attempts` windows. The timer never holds the process.
 */
export function trimWhenIdle(schedule: TrimSchedule = { delayMs: TRIM_DELAY_MS, attempts: TRIM_ATTEMPTS }): Promise<boolean> {
  return whenIdle(schedule, () => collectAllGarbage(COLLECTIONS, 'last-resort'));
}

/**
 * Memory let go of while the broker runs (the batch pool's empty slabs after a burst,
 * batch-memory.ts) returns to the system only when the garbage collector frees the objects
 * that hold it, and V8 sees no reason to collect an idle heap. The collector returned runs one
 * full collection (not the memory-reducing kind: a shorter pause) in the next idle window;
 * at most one waits at a time (a call while one waits joins it: false). It resolves as
 * `trimWhenIdle` does. For the server process only (main.ts wires it in).
 */
export function idleCollector(schedule: TrimSchedule = { delayMs: TRIM_DELAY_MS, attempts: TRIM_ATTEMPTS }): () => Promise<boolean> {
  let pending = false;
  return () => {
    if (pending) return Promise.resolve(false);
    pending = true;
    return whenIdle(schedule, () => collectAllGarbage(1, 'regular')).finally(() => {
      pending = false;
    });
  };
}

function whenIdle(schedule: TrimSchedule, collect: () => void): Promise<boolean> {
  return new Promise((resolve) => {
    let attempts = 0;
    let since = performance.eventLoopUtilization();
    const look = (): void => {
      const now = performance.eventLoopUtilization();
      if (performance.eventLoopUtilization(now, since).utilization < IDLE_UTILIZATION) {
        collect();
        resolve(true);
      } else if (++attempts < schedule.attempts) {
        since = now;
        setTimeout(look, schedule.delayMs).unref();
      } else {
        resolve(false);
      }
    };
    setTimeout(look, schedule.delayMs).unref();
  });
}

/**
 * `collections` full collections of `flavor`; nothing when `gc` cannot be had. `gc` is not
 * kept: it would keep the context it came from (idle RSS +0.3 MiB).
 */
function collectAllGarbage(collections: number, flavor: 'regular' | 'last-resort'): void {
  const gc = (globalThis as { gc?: GcFunction }).gc ?? exposeGc();
  for (let i = 0; gc !== undefined && i < collections; i++) gc({ type: 'major', execution: 'sync', flavor });
}

/** V8's `gc`, taken from a new context while --expose-gc is on; V8's flags are left as they were. */
function exposeGc(): GcFunction | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('typeof gc === "function" ? gc : undefined') as GcFunction | undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
