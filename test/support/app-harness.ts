/**
 * The whole AppModule compiled by the Nest container, as main.ts builds it, on a temporary
 * directory (medium tests): a Clock that counts the timers still live, and a close that checks
 * every timer was cancelled and no timer, socket or file handle was left behind.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { AppModule, type AppOptions } from '../../src/app.module.js';
import { Clock, SystemClock, type Timer } from '../../src/common/clock.js';
import { type BlinkConfig, loadSettings } from '../../src/config/settings.js';
import { StorageRecovery } from '../../src/recovery/storage-recovery.js';

/** The real clock, counting the timers that are scheduled and neither fired nor cancelled. */
export class CountingClock extends SystemClock {
  readonly live = new Set<Timer>();

  override schedule(delayMs: number, task: () => void): Timer {
    const tracked = this.track(
      super.schedule(delayMs, () => {
        this.live.delete(tracked);
        task();
      }),
    );
    return tracked;
  }

  override every(intervalMs: number, task: () => void): Timer {
    return this.track(super.every(intervalMs, task));
  }

  private track(timer: Timer): Timer {
    const tracked: Timer = {
      cancel: () => {
        this.live.delete(tracked);
        timer.cancel();
      },
    };
    this.live.add(tracked);
    return tracked;
  }
}

/** The application on `dir` with these settings (environment form), initialised and recovered. */
export async function compileApp(dir: string, env: Record<string, string>, clock: Clock, options: AppOptions = {}): Promise<TestingModule> {
  const config = loadSettings({ argv: [], env: { RECORD_STORAGE_PATH: dir, LOG_LEVEL: 'error', ...env }, cwd: dir });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, options)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  await moduleRef.init();
  await moduleRef.get(StorageRecovery).completed();
  return moduleRef;
}

/** Resource kinds (timers, sockets, files) and how many of each keep the event loop alive. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

const SETTLE_MS_MAX = 2_000;

/**
 * Waits (bounded) until no resource kind is above its count before the application
 * started: a file close or an immediate queued by the last shutdown step may still be in
 * flight when close() resolves, but a timer, socket or file left open stays and fails.
 */
export async function assertNoNewResources(before: Map<string, number>): Promise<void> {
  const added = (): Array<[string, number]> => [...activeResources()].filter(([kind, count]) => count > (before.get(kind) ?? 0));
  const deadline = Date.now() + SETTLE_MS_MAX;
  while (added().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(added(), [], `active resources left after close: ${JSON.stringify(Object.fromEntries(activeResources()))}`);
}

/** Closes the application; every Clock timer must be cancelled and no handle left behind. */
export async function closeAndCheck(moduleRef: TestingModule, clock: CountingClock, before: Map<string, number>): Promise<void> {
  await moduleRef.close();
  register.clear();
  assert.equal(clock.live.size, 0, 'every timer started on the Clock is cancelled by the shutdown');
  await assertNoNewResources(before);
}

/** The settings of an application built by createBlinkApp (blink-app.ts) in a medium test: loopback, ports the OS picks, memory mode, data in `dir`. */
export function loopbackMemoryConfig(dir: string, label: string): BlinkConfig {
  return loadSettings({
    argv: [],
    env: {},
    cwd: dir,
    values: {
      label,
      settings: { broker_ports: [0], rest_port: 0, kafka_hostname: '127.0.0.1', advertised_hostname: '127.0.0.1', storage_mode: 'memory', record_storage_path: dir },
    },
  });
}
