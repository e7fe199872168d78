/**
 * One loaded version of one plugin: its worker thread, the queue of batches waiting for
 * it, the per-call deadline and the restarts.
 *
 * - Calls run one at a time, in arrival order, through the worker's `CallChannel`; at most
 *   `CALL_QUEUE_MAX` wait behind the one in flight (more are answered `unavailable`).
 * - Deadline: a call not answered within `timeoutMs` gets `failed/timeout`, and the
 *   worker is terminated (`Worker.terminate()` interrupts a wasm loop within a few ms).
 * - A trap, an ABI violation, the heap cap (ERR_WORKER_OUT_OF_MEMORY) or an unexpected
 *   exit fail the call in flight the same way. In every case the worker is replaced by a
 *   fresh one from the same compiled component (~30-100 ms); queued calls wait for it,
 *   since they did not cause the failure.
 * - A replacement that does not start (init traps, times out) leaves the plugin `failed`:
 *   calls are answered `unavailable` (fail closed: a filter that is down lets nothing
 *   through) and a new start is tried after a backoff of 1 s doubling to 30 s.
 */
import type { Worker } from 'node:worker_threads';
import type { Clock, Timer } from '../common/clock.js';
import { CallChannel, CHANNEL_BYTES_MAX, type ChannelResponse } from './call-channel.js';
import { WASM_PAGE_BYTES } from './memory-cap.js';
import type { CompiledComponent, PluginLogLevel, WorkerMessage } from './plugin-protocol.js';
import type { WasmRuntime } from './wasm-runtime.js';

export const CALL_QUEUE_MAX = 1_024;
/** Spawning a worker, instantiating the component and running init(). */
export const START_TIMEOUT_MS = 10_000;
const RESTART_BACKOFF_MIN_MS = 1_000;
const RESTART_BACKOFF_MAX_MS = 30_000;
/** Output a plugin writes to stdout/stderr (WASI) is logged in chunks of at most this many characters. */
const OUTPUT_CHUNK_CHARS_MAX = 2_000;

export type FailureKind = 'timeout' | 'trap' | 'memory' | 'crash';
export type InstanceStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export type CallOutcome =
  | {
      readonly kind: 'ok';
      readonly codes: Uint8Array;
      /** The records left: the section that was sent when `changed` is false. */
      readonly records: Uint8Array;
      readonly count: number;
      readonly changed: boolean;
      readonly durationMs: number;
    }
  /** The producer's fault: malformed records, or a batch too large to hand to a plugin. */
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'too-large'; readonly reason: string }
  | { readonly kind: 'failed'; readonly failure: FailureKind; readonly reason: string; readonly durationMs: number }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface PluginLimits {
  readonly timeoutMs: number;
  readonly memoryBytesMax: number;
}

/** What the instance reports to its owner (logging and metrics). */
export interface InstanceListener {
  log(level: PluginLogLevel, message: string): void;
  restarted(reason: string): void;
  restartFailed(reason: string): void;
}

interface PendingCall {
  readonly topic: string;
  readonly partition: number;
  readonly records: Uint8Array;
  readonly count: number;
  readonly resolve: (outcome: CallOutcome) => void;
}

interface InFlight {
  readonly seq: number;
  readonly pending: PendingCall;
  readonly startedAt: number;
}

/** A running worker and the channel its calls go through. */
interface Hosted {
  readonly worker: Worker;
  readonly channel: CallChannel;
}

export class PluginInstance {
  private hosted: Hosted | null = null;
  private status: InstanceStatus = 'starting';
  private readonly queue: PendingCall[] = [];
  private inFlight: InFlight | null = null;
  private backoffMs = RESTART_BACKOFF_MIN_MS;
  private retryTimer: Timer | null = null;
  private retiring = false;
  private lastFailure: string | null = null;

  constructor(
    readonly name: string,
    readonly component: CompiledComponent,
    private readonly limits: PluginLimits,
    private readonly runtime: WasmRuntime,
    private readonly listener: InstanceListener,
    private readonly clock: Clock,
  ) {}

  get state(): InstanceStatus {
    return this.status;
  }

  get lastError(): string | null {
    return this.lastFailure;
  }

  /** Starts the first worker; resolves with init()'s result, rejects with why it did not start. */
  start(): Promise<number | null> {
    return this.spawn();
  }

  call(topic: string, partition: number, records: Uint8Array, count: number): Promise<CallOutcome> {
    if (this.status === 'failed' || this.status === 'stopped') {
      return Promise.resolve({ kind: 'unavailable', reason: `plugin ${this.name} is ${this.status}${this.lastFailure ? `: ${this.lastFailure}` : ''}` });
    }
    if (records.length > CHANNEL_BYTES_MAX / 2) {
      return Promise.resolve({ kind: 'too-large', reason: `its ${records.length} bytes of records exceed what a plugin call carries (${CHANNEL_BYTES_MAX / 2} bytes)` });
    }
    if (this.queue.length >= CALL_QUEUE_MAX) {
      return Promise.resolve({ kind: 'unavailable', reason: `plugin ${this.name} has ${CALL_QUEUE_MAX} batches waiting` });
    }
    return new Promise((resolve) => {
      this.queue.push({ topic, partition, records, count, resolve });
      this.pump();
    });
  }

  /** Stops taking part: queued calls still run, then the worker ends (hot reload). */
  retire(): void {
    this.retiring = true;
    this.stopIfDrained();
  }

  /** Ends the worker now; queued calls are answered `unavailable`. */
  async stop(): Promise<void> {
    this.status = 'stopped';
    this.retryTimer?.cancel();
    this.failQueued(`plugin ${this.name} was stopped`);
    const current = this.inFlight;
    this.inFlight = null;
    current?.pending.resolve({ kind: 'unavailable', reason: `plugin ${this.name} was stopped` });
    const hosted = this.hosted;
    this.hosted = null;
    hosted?.channel.interrupt();
    await hosted?.worker.terminate();
  }

  private spawn(): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const channel = CallChannel.create();
      const memoryPagesMax = Math.floor(this.limits.memoryBytesMax / WASM_PAGE_BYTES);
      const worker = this.runtime.startPluginWorker(
        { name: this.name, component: this.component, memoryPagesMax, channel: channel.buffer },
        this.limits.memoryBytesMax,
      );
      this.forwardOutput(worker);
      const timer = this.clock.schedule(START_TIMEOUT_MS, () => failStart(`it did not start within ${START_TIMEOUT_MS} ms (init() may loop)`));
      const failStart = (reason: string): void => {
        timer.cancel();
        worker.removeAllListeners();
        void worker.terminate();
        reject(new Error(reason));
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'log') this.listener.log(message.level, message.message);
        else if (message.type === 'start-failed') failStart(message.reason);
        else if (message.type === 'ready') {
          timer.cancel();
          if (this.status === 'stopped') {
            failStart('stopped while starting');
            return;
          }
          worker.removeAllListeners('error').removeAllListeners('exit');
          this.attach({ worker, channel });
          resolve(message.initResult);
          this.pump();
        }
      });
      worker.on('error', (error) => failStart(`its worker failed: ${error.message}`));
      worker.on('exit', (code) => failStart(`its worker exited with code ${code}`));
    });
  }

  private attach(hosted: Hosted): void {
    this.hosted = hosted;
    this.status = 'running';
    hosted.worker.on('error', (error: Error & { code?: string }) => {
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.failInFlight(hosted, memory ? 'memory' : 'crash', memory ? `it exceeded its memory cap (${error.message})` : `its worker failed: ${error.message}`);
    });
    hosted.worker.on('exit', (code) => this.failInFlight(hosted, 'crash', `its worker exited with code ${code}`));
  }

  private forwardOutput(worker: Worker): void {
    const forward = (level: PluginLogLevel) => (chunk: Buffer) => this.listener.log(level, chunk.toString('utf8').slice(0, OUTPUT_CHUNK_CHARS_MAX).trimEnd());
    worker.stdout.on('data', forward('info'));
    worker.stderr.on('data', forward('warn'));
  }

  private pump(): void {
    const hosted = this.hosted;
    if (this.status !== 'running' || this.inFlight !== null || hosted === null) {
      this.stopIfDrained();
      return;
    }
    const pending = this.queue.shift();
    if (pending === undefined) {
      this.stopIfDrained();
      return;
    }
    const seq = hosted.channel.sendRequest(pending.topic, pending.partition, pending.records, pending.count);
    const current: InFlight = { seq, pending, startedAt: performance.now() };
    this.inFlight = current;
    void hosted.channel.awaitResponse(seq, this.limits.timeoutMs).then((waited) => {
      if (this.inFlight !== current || this.hosted !== hosted) return;
      if (waited === 'timed-out' && !hosted.channel.answered(seq)) {
        this.failInFlight(hosted, 'timeout', `it did not answer within plugin_timeout (${this.limits.timeoutMs} ms)`);
      } else {
        this.answer(hosted, current, hosted.channel.readResponse());
      }
    });
  }

  private answer(hosted: Hosted, current: InFlight, response: ChannelResponse): void {
    const durationMs = performance.now() - current.startedAt;
    if (response.kind === 'failed') {
      const reason = response.memoryExhausted ? `it ran out of memory: ${response.reason}` : `it trapped: ${response.reason}`;
      this.failInFlight(hosted, response.memoryExhausted ? 'memory' : 'trap', reason);
      return;
    }
    this.inFlight = null;
    if (response.kind === 'malformed') {
      current.pending.resolve({ kind: 'malformed', reason: response.reason });
    } else {
      const changed = response.records !== null;
      const records = response.records ?? current.pending.records;
      current.pending.resolve({ kind: 'ok', codes: response.codes, records, count: response.count, changed, durationMs });
    }
    this.pump();
  }

  /** The call in flight (if any) fails; the worker is replaced. */
  private failInFlight(hosted: Hosted, failure: FailureKind, reason: string): void {
    if (hosted !== this.hosted || this.status === 'stopped') return;
    this.lastFailure = reason;
    const current = this.inFlight;
    this.inFlight = null;
    current?.pending.resolve({ kind: 'failed', failure, reason, durationMs: performance.now() - current.startedAt });
    hosted.worker.removeAllListeners();
    hosted.channel.interrupt();
    void hosted.worker.terminate();
    this.hosted = null;
    this.restart(reason);
  }

  private restart(reason: string): void {
    if (this.retiring && this.queue.length === 0) {
      this.status = 'stopped';
      return;
    }
    this.status = 'restarting';
    this.spawn().then(
      () => {
        this.backoffMs = RESTART_BACKOFF_MIN_MS;
        this.listener.restarted(reason);
      },
      (error: Error) => this.restartFailedWith(error.message),
    );
  }

  private restartFailedWith(reason: string): void {
    if (this.status === 'stopped') return;
    this.status = 'failed';
    this.lastFailure = `restart failed: ${reason}`;
    this.listener.restartFailed(reason);
    this.failQueued(`plugin ${this.name} is failed: ${reason}`);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RESTART_BACKOFF_MAX_MS);
    this.retryTimer = this.clock.schedule(delay, () => {
      this.retryTimer = null;
      this.restart(`retrying after ${delay} ms`);
    });
  }

  private failQueued(reason: string): void {
    for (const pending of this.queue.splice(0)) pending.resolve({ kind: 'unavailable', reason });
  }

  private stopIfDrained(): void {
    if (this.retiring && this.queue.length === 0 && this.inFlight === null && this.status !== 'stopped') void this.stop();
  }
}
