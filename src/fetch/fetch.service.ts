/**
 * The fetch step, once for both faces (Kafka Fetch, the REST read routes): whole stored
 * batches from the one holding each partition's fetch offset, byte for byte (Buffer views
 * of the memory tier, or read back from the WAL), within the byte budgets:
 * - `partitionMaxBytes` per partition and `maxBytes` per request, except that the first
 *   batch found is returned whole even beyond them (KIP-74), so a consumer always makes
 *   progress (the REST read asks for that only on its first read);
 * - a partition read from disk is sized only once it returns: it reserves its whole share
 *   of the request budget, so partitions after it cannot overrun `maxBytes`.
 * Fewer than `minBytes` found and `maxWaitMs` > 0 (and no partition in error): the fetch
 * parks until appends bring enough bytes or the wait ends (FetchParking), then reads again.
 * A consumer's fetch (Kafka) then counts for purge_on_fetch: the batches it returned whole
 * may go at once (RetentionService.fetched), and for the fetched-records metrics. The REST
 * read is an inspection and counts for neither.
 * A consumer's fetch may be refused once collected (`admission`: Kafka answers a fetch over its
 * client's quota with an empty response): then it counts for nothing.
 * The batches come back as views of the memory tier's pooled memory: the caller's memoryPin
 * holds what they point into, so it is not reused until they are written out.
 * A fetch for legacy message sets (Kafka Fetch v0-3) reads through MessageSetDownConversion:
 * the same reads, answered as magic 0/1 messages within the same limits.
 * Kafka's Fetch also names topics by id (v13+: UNKNOWN_TOPIC_ID when no topic has it) and
 * brings leader epochs to check (leader-epoch.ts); a diverging epoch, like an error, answers at
 * once.
 * Isolation (KIP-98): read_committed reads stop at each partition's last stable offset, wait
 * only for bytes below it, and list the aborted transactions overlapping what they return;
 * read_uncommitted reads everything up to the high watermark, aborted data included.
 */
import { Injectable } from '@nestjs/common';
import { RetentionService } from '../retention/retention.service.js';
import type { MemoryPin } from '../storage/batch-memory.js';
import type { PartitionLog, ReadResult } from '../storage/partition-log.js';
import { isRefusal, refusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import type { LegacyMagic } from '../record-format/legacy-message.js';
import type { AbortedRange } from '../storage/aborted-transactions.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { FetchParking, type ParkedWait } from './fetch-parking.js';
import { FetchProbe } from './fetch.probe.js';
import { currentLeaderEpochRefusal, lastFetchedEpochCheck, type EpochEndOffset } from './leader-epoch.js';
import { MessageSetDownConversion } from './message-set-down-conversion.js';

export interface PartitionFetchRequest {
  /** The topic's name, or its id (Kafka Fetch v13+). */
  readonly topic: string | { readonly id: string };
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  /** The leader epoch the client knows (Kafka Fetch v9+); negative or absent: not checked. */
  readonly currentLeaderEpoch?: number;
  /** The epoch of the last record the client fetched (Kafka Fetch v12+); negative or absent: not checked. */
  readonly lastFetchedEpoch?: number;
}

export interface FetchSpec {
  /** Read in this order; the answers come back in it. */
  readonly partitions: readonly PartitionFetchRequest[];
  readonly maxBytes: number;
  readonly minBytes: number;
  readonly maxWaitMs: number;
  /** KIP-74: the first batch found is returned whole even beyond the byte limits. */
  readonly firstBatchWhole: boolean;
  /** A consumer's fetch: what it returns counts for purge_on_fetch. */
  readonly consuming: boolean;
  /**
   * Asked once the answer is collected, before it counts as consumed: false drops it (a
   * client over its fetch quota gets an empty response). `parkedMs`: how long it waited.
   */
  readonly admission?: FetchAdmission;
  /**
   * Holds the pooled memory of the batches returned (each slab or region they are in, and the
   * scratch memory disk reads borrow) until the caller has written them out
   * (storage/batch-memory.ts); dropped while the fetch waits (the first read's views are
   * dropped with it), held anew by the read after.
   */
  readonly memoryPin?: MemoryPin;
  /** Kafka Fetch v0-3: answer legacy messages of this magic instead of record batches. */
  readonly messageFormat?: LegacyMagic;
  /** Fetch isolation_level 1: read below the last stable offset only (default: read_uncommitted). */
  readonly readCommitted?: boolean;
}

/** A fetch that returns what `answer` makes from its partitions (see FetchAnswerBuilder). */
export interface AnsweredFetchSpec<T> extends FetchSpec {
  readonly answer: FetchAnswerBuilder<T>;
}

/**
 * The caller's answer made from the partitions fetched, within the fetch's own continuation
 * (the Kafka face's response): the caller needs no `then` of its own when the fetch parks (a
 * closure, its context, a promise and its reaction per long poll, ~170 B of heap). An object
 * with a method, as FetchAdmission.
 */
export interface FetchAnswerBuilder<T> {
  build(fetched: PartitionFetched[]): T;
}

/**
 * The check of a collected answer (the Kafka face's quotas). An object with a method, not a
 * closure: one is made per fetch, and the bundle names every closure it creates (a
 * defineProperty per call).
 */
export interface FetchAdmission {
  admit(bytes: number, parkedMs: number): boolean;
}

export interface PartitionFetched {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
  readonly missing?: 'topic' | 'partition';
  /** -1 when the partition does not exist. */
  readonly highWatermark: number;
  /** The partition's last stable offset (-1 when the partition does not exist). */
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** read_committed: the aborted transactions overlapping the batches returned; null for read_uncommitted. */
  readonly abortedTransactions: AbortedRange[] | null;
  /** The batches, whole; null on an error. */
  readonly records: Buffer[] | null;
  readonly bytes: number;
  /** The offset after the last batch returned (the fetch offset when none was). */
  readonly nextOffset: number;
  /** Where the client must truncate to: its last fetched epoch diverges from the log (no records then). */
  readonly divergingEpoch?: EpochEndOffset;
}

interface Collected {
  readonly partitions: PartitionFetched[];
  readonly bytes: number;
  /** Each partition's log, in request order (null: it does not exist). */
  readonly logs: ReadonlyArray<PartitionLog | null>;
  /** The partitions that exist (what a parked fetch listens to). */
  readonly existing: readonly PartitionLog[];
}

@Injectable()
export class FetchService {
  constructor(
    private readonly topics: TopicsService,
    private readonly parking: FetchParking,
    private readonly retention: RetentionService,
    private readonly probe: FetchProbe,
    private readonly downConversion: MessageSetDownConversion,
  ) {}

  /**
   * Every partition's answer, in request order: in this turn when the first read is enough
   * (min_bytes reached, an error, no wait asked for) and came from the memory tier; a promise
   * when it parks (long poll) or reads the cold tier.
   */
  fetch<T>(spec: AnsweredFetchSpec<T>): T | Promise<T>;
  fetch(spec: FetchSpec): PartitionFetched[] | Promise<PartitionFetched[]>;
  fetch(spec: FetchSpec): unknown {
    const idle = this.nothingToRead(spec);
    if (idle !== null) return this.park(spec, idle, spec.minBytes);
    const collected = this.collect(spec);
    if (collected instanceof Promise) return collected.then((first) => this.afterFirstRead(spec, first));
    return this.afterFirstRead(spec, collected);
  }

  private afterFirstRead(spec: FetchSpec, collected: Collected): unknown {
    return this.satisfied(spec, collected) ? this.finish(spec, collected, 0) : this.parkThenRead(spec, collected);
  }

  /**
   * Too few bytes: wait for appends (or max_wait_ms), then read again and answer whatever is
   * there. A `then` rather than an async function: every long poll comes here, and an async
   * function's activation and await cost ~200 bytes of heap more than a closure's.
   */
  private parkThenRead(spec: FetchSpec, collected: Collected): Promise<unknown> {
    return this.park(spec, collected.existing, spec.minBytes - collected.bytes);
  }

  /** The read after the park, for every parked fetch (the park resolves with the spec: no closure per park). */
  private readonly readParked = (parked: ParkedWait<FetchSpec>): unknown => this.readAgain(parked.waiter, parked.parkedAt);

  private park(spec: FetchSpec, logs: readonly PartitionLog[], bytesNeeded: number): Promise<unknown> {
    spec.memoryPin?.drop();
    return this.parking.park(logs, bytesNeeded, spec.maxWaitMs, spec.readCommitted === true, spec).then(this.readParked);
  }

  /**
   * The logs of a fetch that would park on its first read with nothing to answer: it waits for
   * bytes (min_bytes > 0, max_wait_ms > 0), every partition exists, its epochs check out and
   * it reads from the high watermark, where nothing is yet. Null otherwise (the first read
   * decides). A long poll that catches up with the log (most Fetches of a consumer at the
   * head) then makes no first answer only to throw it away (~0.3 KB of heap per park).
   */
  private nothingToRead(spec: FetchSpec): PartitionLog[] | null {
    const requests = spec.partitions;
    if (spec.minBytes <= 0 || spec.maxWaitMs <= 0 || requests.length === 0 || spec.messageFormat !== undefined) return null;
    // The array is made once the first partition passes: a fetch with bytes to read (its first partition, mostly) allocates nothing here.
    let logs: PartitionLog[] | null = null;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i];
      const log = this.findPartition(request);
      if (isRefusal(log) || request.fetchOffset !== log.highWatermark || request.fetchOffset < log.logStartOffset || this.epochProblem(log, request) !== null) return null;
      (logs ??= new Array<PartitionLog>(requests.length))[i] = log;
    }
    return logs;
  }

  /** The read after a long poll: in this turn unless it reads the cold tier. */
  private readAgain(spec: FetchSpec, parkedAt: number): unknown {
    const parkedMs = performance.now() - parkedAt;
    const again = this.collect(spec);
    return again instanceof Promise ? again.then((read) => this.finish(spec, read, parkedMs)) : this.finish(spec, again, parkedMs);
  }

  /** The admission (quota), then what the answer counts for (purge_on_fetch, metrics); the answer made (AnsweredFetchSpec). */
  private finish(spec: FetchSpec, collected: Collected, parkedMs: number): unknown {
    const partitions = this.admitted(spec, collected, parkedMs);
    const answer = (spec as Partial<AnsweredFetchSpec<unknown>>).answer;
    return answer === undefined ? partitions : answer.build(partitions);
  }

  private admitted(spec: FetchSpec, collected: Collected, parkedMs: number): PartitionFetched[] {
    if (spec.admission !== undefined && !spec.admission.admit(collected.bytes, parkedMs)) return collected.partitions;
    if (spec.consuming) {
      const { partitions, logs } = collected;
      for (let i = 0; i < partitions.length; i++) {
        const log = logs[i];
        const fetched = partitions[i];
        if (log === null || fetched.bytes === 0) continue;
        this.retention.fetched(log, fetched.nextOffset);
        this.probe.partitionFetched(log, spec.partitions[i].fetchOffset, fetched.nextOffset, fetched.bytes);
      }
    }
    return collected.partitions;
  }

  /** Answer now: enough bytes, an error or a diverging epoch to report, no wait asked for, or nothing to wait on. */
  private satisfied(spec: FetchSpec, collected: Collected): boolean {
    if (collected.bytes >= spec.minBytes || spec.maxWaitMs <= 0 || collected.existing.length === 0) return true;
    const { partitions } = collected;
    for (let i = 0; i < partitions.length; i++) if (partitions[i].errorCode !== ErrorCode.NONE || partitions[i].divergingEpoch !== undefined) return true;
    return false;
  }

  /** One read of every partition: in this turn unless one reads the cold tier. */
  private collect(spec: FetchSpec): Collected | Promise<Collected> {
    const requests = spec.partitions;
    let budget = spec.maxBytes;
    let bytes = 0;
    let waiting = false;
    const logs = new Array<PartitionLog | null>(requests.length);
    const reads = new Array<PartitionFetched | Promise<PartitionFetched>>(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i];
      const log = this.findPartition(request);
      if (isRefusal(log)) {
        logs[i] = null;
        reads[i] = failed(log.errorCode, log.errorMessage, -1, -1, request.fetchOffset, log.missing);
        continue;
      }
      logs[i] = log;
      const unreadable = this.epochProblem(log, request) ?? this.outOfRange(log, request.fetchOffset);
      if (unreadable !== null) {
        reads[i] = unreadable;
        continue;
      }
      const limit = Math.min(request.partitionMaxBytes, budget);
      const whole = spec.firstBatchWhole && bytes === 0;
      const endOffset = spec.readCommitted === true ? log.lastStableOffset : Infinity;
      const read = spec.messageFormat === undefined ? log.read(request.fetchOffset, limit, whole, endOffset, spec.memoryPin) : this.downConversion.read(log, spec.messageFormat, request.fetchOffset, limit, whole, spec.memoryPin);
      // A disk read is sized only once it returns: it reserves its share of the budget now.
      const taken = read instanceof Promise ? Math.min(request.partitionMaxBytes, budget) : read.bytes;
      bytes += taken;
      budget = Math.max(0, budget - taken);
      const answered = read instanceof Promise ? this.answerLater(log, read, request.fetchOffset, spec.readCommitted === true) : this.answer(log, read, request.fetchOffset, spec.readCommitted === true);
      if (answered instanceof Promise) waiting = true;
      reads[i] = answered;
    }
    if (waiting) return everyRead(reads).then((partitions) => collected(logs, partitions));
    return collected(logs, reads as PartitionFetched[]);
  }

  private findPartition({ topic, partition }: PartitionFetchRequest): PartitionLog | Refusal {
    return typeof topic === 'string' ? this.topics.findPartition(topic, partition) : this.topics.findPartitionById(topic.id, partition);
  }

  /** The leader-epoch checks (leader-epoch.ts): a refusal or a diverging epoch answers the partition without reading it. */
  private epochProblem(log: PartitionLog, request: PartitionFetchRequest): PartitionFetched | null {
    const fenced = currentLeaderEpochRefusal(log, request.currentLeaderEpoch ?? -1);
    const checked = fenced ?? lastFetchedEpochCheck(log, request.lastFetchedEpoch ?? -1, request.fetchOffset);
    if (checked === null) return null;
    if ('errorCode' in checked) return failed(checked.errorCode, checked.errorMessage, log.highWatermark, log.logStartOffset, request.fetchOffset, undefined, log.lastStableOffset);
    const empty = { errorCode: ErrorCode.NONE, errorMessage: null, records: [], bytes: 0, nextOffset: request.fetchOffset };
    const ends = { highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset };
    return { ...empty, ...ends, abortedTransactions: null, divergingEpoch: checked };
  }

  private outOfRange(log: PartitionLog, offset: number): PartitionFetched | null {
    if (offset >= log.logStartOffset && offset <= log.highWatermark) return null;
    const message = `offset ${offset} is out of range: ${log.topic}-${log.partition} holds offsets ${log.logStartOffset} to ${log.highWatermark - 1} (high watermark ${log.highWatermark})`;
    return failed(ErrorCode.OFFSET_OUT_OF_RANGE, message, log.highWatermark, log.logStartOffset, offset, undefined, log.lastStableOffset);
  }

  private async answerLater(log: PartitionLog, read: Promise<ReadResult | Refusal>, fetchOffset: number, readCommitted: boolean): Promise<PartitionFetched> {
    return this.answer(log, await read, fetchOffset, readCommitted);
  }

  private answer(log: PartitionLog, result: ReadResult | Refusal, fetchOffset: number, readCommitted: boolean): PartitionFetched {
    if (isRefusal(result)) return failed(result.errorCode, result.errorMessage, log.highWatermark, log.logStartOffset, fetchOffset);
    const { chunks, bytes, nextOffset } = result;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      highWatermark: log.highWatermark,
      lastStableOffset: log.lastStableOffset,
      logStartOffset: log.logStartOffset,
      abortedTransactions: readCommitted ? (bytes > 0 ? log.producers.aborted.collect(fetchOffset, nextOffset) : []) : null,
      records: chunks,
      bytes,
      nextOffset,
    };
  }
}

function collected(logs: Array<PartitionLog | null>, partitions: PartitionFetched[]): Collected {
  let bytes = 0;
  let existing = 0;
  for (let i = 0; i < partitions.length; i++) {
    bytes += partitions[i].bytes;
    if (logs[i] !== null) existing++;
  }
  return { partitions, bytes, logs, existing: existing === logs.length ? (logs as PartitionLog[]) : logs.filter((log) => log !== null) };
}

function failed(
  errorCode: ErrorCodeValue,
  errorMessage: string,
  highWatermark: number,
  logStartOffset: number,
  nextOffset: number,
  missing?: 'topic' | 'partition',
  lastStableOffset = highWatermark,
): PartitionFetched {
  const why = refusal(errorCode, errorMessage, missing === undefined ? {} : { missing });
  return { ...why, highWatermark, lastStableOffset, logStartOffset, abortedTransactions: null, records: null, bytes: 0, nextOffset };
}

/**
 * Every partition's answer once every read has settled; a failed read fails them all, but only
 * then: a disk read still in flight may be writing into memory the Fetch's pin lends
 * (ScratchMemory), which the pin's release, once the Fetch has failed, lets the pool reuse.
 */
async function everyRead(reads: ReadonlyArray<PartitionFetched | Promise<PartitionFetched>>): Promise<PartitionFetched[]> {
  const settled = await Promise.allSettled(reads);
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<PartitionFetched>).value);
}
