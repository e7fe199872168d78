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
 * Only when idle: the collections stop the main thread for ~150-450 ms in all, so each runs
 * in an idle window of its own: the first TRIM_DELAY_MS after the boot if the event loop was
 * nearly idle over that time, each next one after a further STEP_DELAY_MS of idleness; a busy
 * window is looked at again, at most TRIM_ATTEMPTS times in all (a broker under load from the
 * start is left to V8's memory reducer). So a client that starts just after the ready line
 * meets one collection's pause at most (~50-130 ms), not all of them back to back. For the server process only (main.ts): an embedded broker's heap is its
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

/** How long the event loop must have been (nearly) idle before the first collection runs. */
const TRIM_DELAY_MS = 250;
/** How long it must have stayed idle after one collection before the next: the idle RSS 1 s after ready is the trimmed one. */
const STEP_DELAY_MS = 50;
/**
 * Event-loop utilization over TRIM_DELAY_MS below which the broker counts as idle. An idle
 * broker's windows read 0.006-0.022; one serving 1,000 msg/s (the latency row of bench/run.mjs)
 * 0.11-0.31, most under 0.2 (the bound until lat18): a trim that the boot on a busy machine had
 * pushed back ran its collections into that load (a pair of mark-compacts of 34 and 74 ms seen
 * 1 s into the 1,000/s window, bench/README). A broker starved of CPU still reads low (it waits
 * for the CPU inside the poll, idle time to the event loop). Tried and dropped: 0.05 (the window
 * after a collection, V8's tasks, read busy: the trim was not over 1 s after ready in 2 of 8
 * boots, idle RSS q75 78.6 MiB) and counting the loop's wake-ups too (V8's tasks after each
 * collection turn it ~2,700 times a second: idle RSS 1 s after ready 77.9 vs 75.5 MiB).
 */
const IDLE_UTILIZATION = 0.1;
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
  /** The idle window between two collections of one trim (default: `delayMs`). */
  readonly stepDelayMs?: number;
}

/**
 * Runs the COLLECTIONS collections, each in an idle window (the first of `delayMs` after now,
 * the next ones of `stepDelayMs`); resolves true once all ran, false when the broker stayed
 * busy for `attempts` windows in all. The timer never holds the process.
 */
export function trimWhenIdle(schedule: TrimSchedule = { delayMs: TRIM_DELAY_MS, attempts: TRIM_ATTEMPTS, stepDelayMs: STEP_DELAY_MS }): Promise<boolean> {
  return whenIdle(schedule, COLLECTIONS, () => collectAllGarbage('last-resort'));
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
    return whenIdle(schedule, 1, () => collectAllGarbage('regular')).finally(() => {
      pending = false;
    });
  };
}

/** `collect` run `steps` times, each in a window of its own over which the event loop was nearly idle. */
function whenIdle(schedule: TrimSchedule, steps: number, collect: () => void): Promise<boolean> {
  return new Promise((resolve) => {
    let attempts = 0;
    let done = 0;
    let since = performance.eventLoopUtilization();
    const look = (): void => {
      const now = performance.eventLoopUtilization();
      const idle = performance.eventLoopUtilization(now, since).utilization < IDLE_UTILIZATION;
      if (idle) collect();
      if (idle && ++done === steps) return resolve(true);
      if (!idle && ++attempts === schedule.attempts) return resolve(false);
      // After a collection the window starts after it (its pause is not the broker's load).
      since = idle ? performance.eventLoopUtilization() : now;
      setTimeout(look, idle ? (schedule.stepDelayMs ?? schedule.delayMs) : schedule.delayMs).unref();
    };
    setTimeout(look, schedule.delayMs).unref();
  });
}

/**
 * One full collection of `flavor`; nothing when `gc` cannot be had. `gc` is not kept: it would
 * keep the context it came from (idle RSS +0.3 MiB).
 */
function collectAllGarbage(flavor: 'regular' | 'last-resort'): void {
  const gc = (globalThis as { gc?: GcFunction }).gc ?? exposeGc();
  gc?.({ type: 'major', execution: 'sync', flavor });
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
