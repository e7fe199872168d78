/**
 * The plugin chain: the components listed in `plugin_paths`, loaded at boot in that
 * order, run on every produced batch after it was validated and before it is stored.
 *
 * - Boot: each file is compiled and started, its init() result logged. A plugin that
 *   cannot be loaded (refused imports, unknown world, init failing) stops the boot with a
 *   message naming the file: a broker must not run without a filter it was told to run.
 * - `filter()`: the batch's records (decompressed) go to each plugin in turn, one call per
 *   plugin; a plugin sees only the records the plugins before it kept, with their
 *   replacements. Refusals are collected with the original record index and plugin name.
 *   reject-batch mode: any refusal refuses the whole batch (INVALID_RECORD, every refused
 *   record listed). drop-record mode: the remaining records are stored (batch-rewrite.ts).
 *   Either way the batch is stored whole or not at all, by the caller, after this returns.
 * - A plugin call that fails (deadline, trap, memory cap, crash) refuses its batch with
 *   INVALID_RECORD, non-retriable: a retry of the same batch would fail the same way. A
 *   plugin that is down (its restart failed) refuses batches with KAFKA_STORAGE_ERROR,
 *   retriable: the batch is fine, the broker is not.
 * - Hot reload: a changed file is compiled and started next to the running version; only
 *   when that succeeds does it take over (the old one finishes its queued calls). A broken
 *   new version is logged and refused, and the running one stays.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { Clock } from '../common/clock.js';
import { openBatch, rebuildBatch, type OpenedBatch } from '../record-format/batch-rewrite.js';
import { CompressionError } from '../record-format/compression.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { PluginProbe, type PluginErrorKind } from './plugin.probe.js';
import type { PluginWorld } from './plugin-interface.js';
import { PluginFiles } from './plugin-files.js';
import { PluginInstance, type CallOutcome, type InstanceStatus } from './plugin-instance.js';
import { VerdictCode, type PluginLogLevel } from './plugin-protocol.js';
import { WasmRuntime } from './wasm-runtime.js';

/** Refused records named in a Produce error message (all are listed in record_errors). */
const REFUSALS_IN_MESSAGE_MAX = 5;

export interface RecordRefusal {
  /** Index of the record in the batch as produced. */
  readonly batchIndex: number;
  readonly message: string;
}

export type PluginFilterResult =
  /** Store `batch`: the batch as produced, or rebuilt without dropped and with replaced records. */
  | { readonly kind: 'store'; readonly batch: Buffer }
  /** drop-record mode: every record was refused; nothing is stored. */
  | { readonly kind: 'all-dropped' }
  | {
      readonly kind: 'refused';
      readonly errorCode: ErrorCodeValue;
      readonly errorMessage: string;
      readonly recordErrors: readonly RecordRefusal[];
    };

export interface PluginCounters {
  calls: number;
  records: number;
  rejected: number;
  dropped: number;
  rewritten: number;
  errors: number;
  timeouts: number;
  restarts: number;
  reloads: number;
  reloadsRefused: number;
}

/** What the admin API shows per plugin. */
export interface PluginStatusView {
  readonly name: string;
  readonly path: string;
  readonly world: PluginWorld;
  readonly status: InstanceStatus;
  readonly sha256: string;
  readonly loadedAt: string;
  readonly initResult: number | null;
  readonly lastError: string | null;
  readonly counters: Readonly<PluginCounters>;
}

export type PluginReloadResult =
  | { readonly outcome: 'reloaded'; readonly plugin: PluginStatusView }
  | { readonly outcome: 'unchanged'; readonly plugin: PluginStatusView }
  | { readonly outcome: 'refused'; readonly reason: string; readonly plugin: PluginStatusView };

export class PluginNotFoundError extends Error {
  override readonly name = 'PluginNotFoundError';
}

/** What stays the same across versions of one plugin. */
interface PluginIdentity {
  readonly name: string;
  readonly path: string;
  readonly counters: PluginCounters;
  readonly logger: Logger;
}

/** One loaded version of a plugin's file. */
interface LoadedVersion {
  readonly instance: PluginInstance;
  readonly sha256: string;
  readonly loadedAt: Date;
  readonly initResult: number | null;
}

interface PluginSlot extends PluginIdentity {
  version: LoadedVersion;
  /** Reloads of one plugin run one after the other. */
  reloading: Promise<unknown>;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function newCounters(): PluginCounters {
  return { calls: 0, records: 0, rejected: 0, dropped: 0, rewritten: 0, errors: 0, timeouts: 0, restarts: 0, reloads: 0, reloadsRefused: 0 };
}

function logAt(logger: Logger, level: PluginLogLevel, message: string): void {
  if (level === 'trace') logger.verbose(message);
  else if (level === 'debug') logger.debug(message);
  else if (level === 'info') logger.log(message);
  else if (level === 'warn') logger.warn(message);
  else logger.error(message);
}

function refused(errorCode: ErrorCodeValue, errorMessage: string, recordErrors: readonly RecordRefusal[] = []): PluginFilterResult {
  return { kind: 'refused', errorCode, errorMessage, recordErrors };
}

@Injectable()
export class PluginService implements OnModuleInit, OnApplicationShutdown {
  private slots: PluginSlot[] = [];
  private readonly unwatch: Array<() => void> = [];

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly runtime: WasmRuntime,
    private readonly files: PluginFiles,
    private readonly probe: PluginProbe,
    private readonly clock: Clock,
  ) {}

  /** True when at least one plugin is configured (the produce path skips the call otherwise). */
  get active(): boolean {
    return this.slots.length > 0;
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.loadAllAtBoot();
    } catch (error) {
      await Promise.all(this.slots.map((slot) => slot.version.instance.stop()));
      this.slots = [];
      throw error;
    }
    for (const slot of this.slots) this.unwatch.push(this.files.watch(slot.path, () => void this.reload(slot.name, 'file changed')));
  }

  private async loadAllAtBoot(): Promise<void> {
    const names = new Set<string>();
    for (const path of this.config.pluginPaths) {
      const name = basename(path, extname(path));
      if (names.has(name)) throw new Error(`plugin_paths: two plugins are named ${name} (the file name without extension names a plugin)`);
      names.add(name);
      await this.loadAtBoot(name, path);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const stop of this.unwatch.splice(0)) stop();
    await Promise.all(this.slots.map((slot) => slot.version.instance.stop()));
  }

  list(): PluginStatusView[] {
    return this.slots.map((slot) => this.view(slot));
  }

  /** Re-reads the plugin's file; a new version takes over only if it loads. */
  reload(name: string, reason = 'requested'): Promise<PluginReloadResult> {
    const slot = this.slots.find((s) => s.name === name);
    if (slot === undefined) return Promise.reject(new PluginNotFoundError(`no plugin named ${name}`));
    const next = slot.reloading.then(() => this.reloadSlot(slot, reason));
    slot.reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs the batch (already validated: magic 2, CRC, every record) through every plugin. The
   * single awaited step of the produce path between validation and the append. `validated`:
   * the records section validation already decompressed, so it is not decompressed twice.
   */
  async filter(topic: string, partition: number, batch: Buffer, validated?: OpenedBatch): Promise<PluginFilterResult> {
    if (this.slots.length === 0) return { kind: 'store', batch };
    let opened: OpenedBatch;
    try {
      opened = validated ?? (await openBatch(batch));
    } catch (error) {
      if (!(error instanceof CompressionError)) throw error;
      return refused(ErrorCode.CORRUPT_MESSAGE, error.message);
    }
    let records: Uint8Array = opened.records;
    let count = opened.recordCount;
    let origin = Array.from({ length: count }, (_, i) => i);
    let changed = false;
    const refusals: RecordRefusal[] = [];
    const refusalsBySlot = new Map<PluginSlot, number>();
    for (const slot of [...this.slots]) {
      const outcome = await slot.version.instance.call(topic, partition, records, count);
      if (outcome.kind !== 'ok') return this.callNotAnswered(slot, outcome);
      this.probe.called(slot.name, count, outcome.durationMs);
      slot.counters.calls++;
      slot.counters.records += count;
      records = outcome.records;
      if (!outcome.changed) continue;
      changed = true;
      origin = this.applyVerdicts(slot, outcome.codes, origin, refusals, refusalsBySlot);
      count = outcome.count;
      if (count === 0) break;
    }
    const rejectBatch = this.config.pluginRejectMode === 'reject-batch';
    for (const [slot, refusedCount] of refusalsBySlot) {
      this.probe.recordsRefused(slot.name, refusedCount, rejectBatch);
      if (rejectBatch) slot.counters.rejected += refusedCount;
      else slot.counters.dropped += refusedCount;
    }
    if (rejectBatch && refusals.length > 0) return this.rejection(refusals, opened.recordCount);
    if (!changed) return { kind: 'store', batch };
    if (count === 0) return { kind: 'all-dropped' };
    return { kind: 'store', batch: await rebuildBatch(batch, records, count, opened.shape) };
  }

  /** Records the refusals and replacements of one plugin; returns the original index of each record left. */
  private applyVerdicts(
    slot: PluginSlot,
    codes: Uint8Array,
    origin: readonly number[],
    refusals: RecordRefusal[],
    refusalsBySlot: Map<PluginSlot, number>,
  ): number[] {
    const left: number[] = [];
    let rewritten = 0;
    codes.forEach((code, i) => {
      if (code === VerdictCode.Keep) left.push(origin[i]);
      else if (code === VerdictCode.Replaced) {
        left.push(origin[i]);
        rewritten++;
      } else {
        const why = code === VerdictCode.NotUtf8 ? ' (its key or value is not UTF-8, which a record-plugin cannot see)' : '';
        refusals.push({ batchIndex: origin[i], message: `refused by plugin ${slot.name}${why}` });
        refusalsBySlot.set(slot, (refusalsBySlot.get(slot) ?? 0) + 1);
      }
    });
    this.probe.recordsRewritten(slot.name, rewritten);
    slot.counters.rewritten += rewritten;
    return left;
  }

  private rejection(refusals: RecordRefusal[], total: number): PluginFilterResult {
    const sorted = [...refusals].sort((a, b) => a.batchIndex - b.batchIndex);
    const named = sorted.slice(0, REFUSALS_IN_MESSAGE_MAX).map((r) => `record ${r.batchIndex} ${r.message}`);
    const more = sorted.length > REFUSALS_IN_MESSAGE_MAX ? `, and ${sorted.length - REFUSALS_IN_MESSAGE_MAX} more` : '';
    return refused(ErrorCode.INVALID_RECORD, `${sorted.length} of ${total} records refused: ${named.join('; ')}${more}`, sorted);
  }

  private callNotAnswered(slot: PluginSlot, outcome: Exclude<CallOutcome, { kind: 'ok' }>): PluginFilterResult {
    if (outcome.kind === 'malformed') return refused(ErrorCode.CORRUPT_MESSAGE, `the batch's records are malformed: ${outcome.reason}`);
    if (outcome.kind === 'too-large') return refused(ErrorCode.INVALID_RECORD, `the batch cannot be given to plugin ${slot.name}: ${outcome.reason}`);
    const kind: PluginErrorKind = outcome.kind === 'unavailable' ? 'unavailable' : outcome.failure;
    this.probe.callFailed(slot.name, kind);
    slot.counters.errors++;
    if (kind === 'timeout') slot.counters.timeouts++;
    if (outcome.kind === 'unavailable') {
      return refused(ErrorCode.KAFKA_STORAGE_ERROR, `plugin ${slot.name} is unavailable: ${outcome.reason}`);
    }
    slot.logger.error(`stopped on a batch and restarted: ${outcome.reason}`);
    return refused(ErrorCode.INVALID_RECORD, `plugin ${slot.name} failed on this batch and was restarted: ${outcome.reason}`);
  }

  private async loadAtBoot(name: string, path: string): Promise<void> {
    const identity: PluginIdentity = { name, path, logger: new Logger(`plugin:${name}`), counters: newCounters() };
    let version: LoadedVersion;
    try {
      version = await this.load(identity);
    } catch (error) {
      throw new Error(`plugin ${path} refused: ${(error as Error).message}`);
    }
    this.slots.push({ ...identity, version, reloading: Promise.resolve() });
    this.probe.loaded(name);
    identity.logger.log(`loaded ${path} (${version.instance.component.world}); init() returned ${version.initResult ?? 'none'}`);
  }

  /** Reads, compiles and starts the plugin's file; throws with the reason it cannot run. */
  private async load(slot: PluginIdentity): Promise<LoadedVersion> {
    const bytes = await this.files.read(slot.path);
    const compiled = await this.runtime.compile(bytes);
    if (!compiled.ok) throw new Error(compiled.reason);
    const instance = new PluginInstance(
      slot.name,
      compiled.component,
      { timeoutMs: this.config.pluginTimeoutMs, memoryBytesMax: this.config.pluginMaxMemoryBytes },
      this.runtime,
      {
        log: (level, message) => logAt(slot.logger, level, message),
        restarted: (reason) => {
          slot.counters.restarts++;
          this.probe.restarted(slot.name, true);
          slot.logger.warn(`restarted after: ${reason}`);
        },
        restartFailed: (reason) => {
          this.probe.restarted(slot.name, false);
          slot.logger.error(`could not be restarted, batches are refused until it is: ${reason}`);
        },
      },
      this.clock,
    );
    try {
      const initResult = await instance.start();
      return { instance, sha256: sha256(bytes), loadedAt: new Date(this.clock.nowMs()), initResult };
    } catch (error) {
      await instance.stop();
      throw new Error(`it did not start: ${(error as Error).message}`);
    }
  }

  private async reloadSlot(slot: PluginSlot, reason: string): Promise<PluginReloadResult> {
    let loaded: LoadedVersion;
    try {
      const bytes = await this.files.read(slot.path);
      if (sha256(bytes) === slot.version.sha256 && slot.version.instance.state !== 'failed') return { outcome: 'unchanged', plugin: this.view(slot) };
      loaded = await this.load(slot);
    } catch (error) {
      const why = (error as Error).message;
      slot.counters.reloadsRefused++;
      this.probe.reloaded(slot.name, false);
      slot.logger.error(`new version of ${slot.path} refused (${reason}); the running version stays: ${why}`);
      return { outcome: 'refused', reason: why, plugin: this.view(slot) };
    }
    const previous = slot.version.instance;
    slot.version = loaded;
    previous.retire();
    slot.counters.reloads++;
    this.probe.reloaded(slot.name, true);
    this.probe.loaded(slot.name);
    slot.logger.log(`reloaded ${slot.path} (${reason}, ${loaded.instance.component.world}); init() returned ${loaded.initResult ?? 'none'}`);
    return { outcome: 'reloaded', plugin: this.view(slot) };
  }

  private view(slot: PluginSlot): PluginStatusView {
    const { instance, sha256: hash, loadedAt, initResult } = slot.version;
    return {
      name: slot.name,
      path: slot.path,
      world: instance.component.world,
      status: instance.state,
      sha256: hash,
      loadedAt: loadedAt.toISOString(),
      initResult,
      lastError: instance.lastError,
      counters: { ...slot.counters },
    };
  }
}
