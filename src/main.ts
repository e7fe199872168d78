/**
 * Boot: validate the settings (a bad one stops here with one message), build the Nest
 * application, wait for storage recovery (durable mode: the WAL is read back; memory mode:
 * the data directory is cleared; a failure stops the boot), then bind the Kafka listeners, so
 * no client sees a half-recovered log, and the REST port (bound during a recovery that takes
 * longer than a moment, so that probes answer: /health/ready is down until everything is
 * done; blink-app.ts). SIGTERM/SIGINT: stop
 * accepting, answer in-flight and parked requests, exit 0 within SHUTDOWN_DEADLINE_MS (exit 1
 * if that deadline passes; a watchdog thread kills the process should even that not happen).
 * A signal during the boot exits 0: at once before the application is built (start.ts covers
 * the bundle's evaluation), after the same close once it is (the boot's remaining steps are
 * skipped, and the close waits for the one under way: listenBlinkApp).
 */
import { Worker } from 'node:worker_threads';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createBlinkApp, listenBlinkApp } from './blink-app.js';
import { idleCollector, trimWhenIdle } from './common/idle-trim.js';
import { type BlinkConfig, loadSettings, SettingsError } from './config/settings.js';
import { StopRequest } from './health/stop-request.js';

const SHUTDOWN_DEADLINE_MS = 10_000;
/** How long after the deadline the watchdog thread kills the process, if it is still there. */
const SHUTDOWN_WATCHDOG_GRACE_MS = 1_000;
/** Tells start.ts that the boot is over: it takes the bundle's code cache then. */
const BOOT_COMPLETE_EVENT = 'blink:boot-complete';

function readSettings(): BlinkConfig {
  try {
    return loadSettings({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

/**
 * The last resort behind the deadline: a thread of its own that kills the process
 * (SIGKILL) SHUTDOWN_WATCHDOG_GRACE_MS after the deadline, should the main thread be unable to
 * run the deadline's timer (stuck in synchronous code) or process.exit hang. Started on the
 * first signal only; it blocks in Atomics.wait, so it costs no CPU and never holds the exit up.
 */
function startShutdownWatchdog(): void {
  const code = `const { workerData } = require('node:worker_threads');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
process.kill(workerData.pid, 'SIGKILL');`;
  try {
    new Worker(code, { eval: true, workerData: { ms: SHUTDOWN_DEADLINE_MS + SHUTDOWN_WATCHDOG_GRACE_MS, pid: process.pid }, env: {}, stdout: true, stderr: true }).unref();
  } catch {
    // No thread to spare: the deadline's timer is still there.
  }
}

/**
 * SIGTERM/SIGINT: before the application exists there is nothing to drain (no port is bound):
 * exit 0 at once. After: stop its boot (listenBlinkApp: no further step starts), close it once
 * the boot step under way is over (in-flight and parked requests answered), exit 0, or 1 when
 * that fails or SHUTDOWN_DEADLINE_MS passes. Installed before anything else is built, so no
 * signal meets Node's default action (death by signal) during the boot, nor a second signal
 * during the shutdown (ignored). `stop` is aborted by the first signal once the application exists.
 */
function exitOnSignals(): { readonly stop: AbortSignal; attach(app: NestFastifyApplication, logger: Logger, booted: Promise<unknown>): void } {
  let running: { app: NestFastifyApplication; logger: Logger; booted: Promise<unknown> } | null = null;
  const stopping = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (running === null) {
      process.stderr.write(`${signal} received during the boot: exiting\n`);
      process.exit(0);
    }
    // The shutdown is under way: a second signal changes nothing (its deadline and the watchdog bound it).
    if (stopping.signal.aborted) return;
    stopping.abort();
    const { app, logger, booted } = running;
    app.get(StopRequest).ask(); // /health/ready answers 503 from now on (src/health/stop-request.ts)
    startShutdownWatchdog();
    setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms\n`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    logger.log(`${signal} received: shutting down`);
    booted.then(
      () =>
        app.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error(`shutdown failed: ${String(err)}`);
            process.exit(1);
          },
        ),
      () => undefined, // the boot failed: bootstrap() says so and exits 1
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return {
    stop: stopping.signal,
    attach(app, logger, booted) {
      running = { app, logger, booted };
    },
  };
}

async function bootstrap(): Promise<void> {
  const signals = exitOnSignals();
  const config = readSettings();
  // The batch pool's let-go memory is freed by a collection when idle: this process's heap is the broker's (idle-trim.ts).
  const collectWhenIdle = idleCollector();
  const app = await createBlinkApp(config, { onMemoryLetGo: () => void collectWhenIdle() });
  const logger = app.get(Logger);
  const booted = listenBlinkApp(app, config, { stop: signals.stop });
  signals.attach(app, logger, booted);
  // null: a signal stopped the boot; its close ends the process (exit 0 once drained).
  const ports = await booted;
  if (ports === null) return;
  const { kafkaPorts, restPort } = ports;
  logger.log(`Blink ready: Kafka on ${kafkaPorts.join(', ')}, REST on ${restPort}`);
  // start.ts takes the bundle's code cache and flushes Node's here (a kill skips the exit's flush).
  // Neither may stop a broker that is up.
  try {
    (process as NodeJS.EventEmitter).emit(BOOT_COMPLETE_EVENT);
  } catch (err) {
    logger.warn(`after the boot: ${err instanceof Error ? err.message : String(err)}`);
  }
  void trimWhenIdle();
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`Blink failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
