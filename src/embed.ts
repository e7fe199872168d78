/**
 * Blink inside a test suite: `startBlink({...settings})` starts the real broker in this
 * process, on ports the OS picks, in memory mode, on a temporary data directory, with no
 * log lines unless `log_level` is given; `stop()` answers parked requests, closes every
 * socket, timer and worker, removes the temporary directory, and resolves when all is
 * released. Settings are the server's settings (settings.yaml names), validated by the same
 * code: a bad one throws the same `SettingsError`. The process environment is not read, so
 * a test runner's MAX_MEMORY or BROKER_PORTS cannot change an embedded broker. An AbortSignal
 * (`startBlink(settings, { signal })`) calls a start off: what it had built is released, and it
 * rejects with the signal's reason.
 *
 * The package's main export (package.json "exports").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { createBlinkApp, listenBlinkApp } from './blink-app.js';
import { type BlinkConfig, loadSettings, SettingsError } from './config/settings.js';
import type { SettingsDto, SettingKey } from './config/settings.dto.js';
import { BlinkAdmin } from './embed-admin.js';

export { BlinkAdmin, BlinkAdminError, type CreateTopicOptions, type ReadRecordsOptions, type TopicRecord, type WaitForGroupOptions } from './embed-admin.js';
export { SettingsError, type BlinkConfig };

/** The server's settings under their settings.yaml names; sizes and durations also as text ('64MB', '30s'). */
export type BlinkSettings = { readonly [K in SettingKey]?: SettingsDto[K] | string };

/** A running embedded broker, with the test helpers of `BlinkAdmin` (over its REST API). */
export interface EmbeddedBlink extends BlinkAdmin {
  /** `host:port` of the first Kafka listener: a client's bootstrap servers. */
  readonly bootstrap: string;
  /** `host:port` of every Kafka listener. */
  readonly brokers: readonly string[];
  /** `http://host:port` of the REST admin API (and /health, /prometheus). */
  readonly restUrl: string;
  /** The validated settings the broker runs with. */
  readonly config: BlinkConfig;
  /** Closes the broker and releases everything it holds; calling it again returns the same promise. */
  stop(): Promise<void>;
}

/** What an embedded broker uses unless told otherwise: free ports on loopback, memory mode. */
const EMBEDDED_DEFAULTS: BlinkSettings = {
  broker_ports: [0],
  rest_port: 0,
  kafka_hostname: '127.0.0.1',
  advertised_hostname: '127.0.0.1',
  storage_mode: 'memory',
};
const SETTINGS_LABEL = 'startBlink() settings';
/** The Node.js process metrics prom-client adds once per registry; one of them tells if they are there. */
const PROCESS_METRIC = 'process_cpu_user_seconds_total';

/** Brokers of this module started or starting and not stopped: the last one out removes Blink's metrics. */
let liveBrokers = 0;
/** Metrics that were in prom-client's global registry before the first broker: someone else's, left alone. */
let foreignMetrics: ReadonlySet<string> = new Set();

/** How startBlink runs. */
export interface StartOptions {
  /**
   * Calls the start off: once aborted, no further step of the start begins, everything it
   * holds is released, and startBlink rejects with the signal's reason (an AbortError unless
   * given another).
   */
  readonly signal?: AbortSignal;
}

/** Validates `settings` as the server would (throws `SettingsError`) and starts a broker. */
export async function startBlink(settings: BlinkSettings = {}, { signal }: StartOptions = {}): Promise<EmbeddedBlink> {
  signal?.throwIfAborted();
  const ownDir = settings.record_storage_path === undefined ? await mkdtemp(join(tmpdir(), 'blink-')) : null;
  const config = embeddedConfig(settings, ownDir);
  enterMetrics();
  let app: NestFastifyApplication | undefined;
  try {
    app = await createBlinkApp(config, { silent: settings.log_level === undefined, processMetrics: register.getSingleMetric(PROCESS_METRIC) === undefined });
    const ports = await listenBlinkApp(app, config, { stop: signal });
    if (ports === null) throw signal!.reason;
    return running(app, config, ports.kafkaPorts, ports.restPort, ownDir);
  } catch (error) {
    await release(app, ownDir);
    throw error;
  }
}

function embeddedConfig(settings: BlinkSettings, ownDir: string | null): BlinkConfig {
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  const values = { ...EMBEDDED_DEFAULTS, ...(ownDir === null ? {} : { record_storage_path: ownDir }), ...given };
  try {
    return loadSettings({ argv: [], env: {}, cwd: process.cwd(), values: { label: SETTINGS_LABEL, settings: values } });
  } catch (error) {
    if (ownDir !== null) void rm(ownDir, { recursive: true, force: true });
    throw error;
  }
}

function running(app: NestFastifyApplication, config: BlinkConfig, kafkaPorts: readonly number[], restPort: number, ownDir: string | null): EmbeddedBlink {
  const brokers = kafkaPorts.map((port) => `${config.advertisedHostname}:${port}`);
  const restHost = config.kafkaHostname === '0.0.0.0' ? '127.0.0.1' : config.kafkaHostname;
  const admin = new BlinkAdmin(`http://${restHost}:${restPort}`, config.adminToken);
  let stopped: Promise<void> | undefined;
  return Object.assign(admin, {
    bootstrap: brokers[0]!,
    brokers,
    config,
    stop: () => (stopped ??= release(app, ownDir)),
  });
}

/** Closes the app (if it was built), removes the temporary directory, and leaves the metrics registry as found. */
async function release(app: NestFastifyApplication | undefined, ownDir: string | null): Promise<void> {
  try {
    await app?.close();
  } finally {
    if (ownDir !== null) await rm(ownDir, { recursive: true, force: true });
    leaveMetrics();
  }
}

/**
 * Blink's probes register in prom-client's global registry (one per process), which every
 * broker of this process shares. The first broker notes what was there already; the last
 * one to stop removes the rest, so no stopped broker stays reachable from the registry.
 */
function enterMetrics(): void {
  if (liveBrokers++ === 0) foreignMetrics = new Set(register.getMetricsAsArray().map((metric) => metric.name));
}

function leaveMetrics(): void {
  if (--liveBrokers > 0) return;
  for (const metric of register.getMetricsAsArray()) if (!foreignMetrics.has(metric.name)) register.removeSingleMetric(metric.name);
}
