/**
 * Boot: validate the settings (a bad one stops here with one message), build the Nest
 * application, bind the REST port (probes answer while storage recovers: /health/ready is
 * down until everything below is done), wait for storage recovery (durable mode: the WAL is
 * read back; memory mode: the data directory is cleared; a failure stops the boot), then
 * bind the Kafka listeners, so no client sees a half-recovered log. SIGTERM/SIGINT: stop
 * accepting, answer in-flight and parked requests, exit 0 within SHUTDOWN_DEADLINE_MS (exit 1
 * if that deadline passes).
 */
import { flushCompileCache } from 'node:module';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { createBlinkApp, listenBlinkApp } from './blink-app.js';
import { type BlinkConfig, loadSettings, SettingsError } from './config/settings.js';

const SHUTDOWN_DEADLINE_MS = 10_000;
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

function exitOnSignals(app: NestFastifyApplication, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    logger.log(`${signal} received: shutting down`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function bootstrap(): Promise<void> {
  const config = readSettings();
  const app = await createBlinkApp(config);
  const logger = app.get(Logger);
  exitOnSignals(app, logger);
  const { kafkaPorts, restPort } = await listenBlinkApp(app, config);
  logger.log(`Blink ready: Kafka on ${kafkaPorts.join(', ')}, REST on ${restPort}`);
  // Everything boot compiled goes to the compile caches now (start.ts), not at exit, which a kill skips.
  // Neither may stop a broker that is up: a cache that cannot be written only costs the next boot its speed-up.
  try {
    flushCompileCache();
    (process as NodeJS.EventEmitter).emit(BOOT_COMPLETE_EVENT);
  } catch (err) {
    logger.warn(`compile cache not written: ${err instanceof Error ? err.message : String(err)}`);
  }
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`Blink failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
