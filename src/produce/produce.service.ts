/**
 * The produce step, once for both faces (Kafka Produce, REST produce): for one request, a
 * reservation of its batches' bytes in the memory tier (max_memory; a bounded wait when the
 * tier is full), then for each partition the topic look-up or auto-creation (unless the topic
 * is closed to writes: topics/write-fence.ts), the partition check, and RecordIngest
 * (validation of every record, then the plugin chain and the append; in durable mode the
 * answer waits for the WAL). Each partition gets an outcome with its Kafka error code;
 * nothing throws for bad input. The reservation is given back once every partition is done.
 * How long to wait for memory is the face's policy (MemoryWait): without room after it,
 * every partition of the request is KAFKA_STORAGE_ERROR and nothing is stored.
 */
import { Injectable } from '@nestjs/common';
import type { RecordRefusal } from '../plugins/plugin.service.js';
import type { AppendOutcome } from '../storage/batch-appender.js';
import { MEMORY_FULL_MESSAGE, MemoryAccountant, type MemoryReservation } from '../storage/memory-accountant.js';
import { isRefusal, refusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import { WriteFence } from '../topics/write-fence.js';
import { ErrorCode } from '../wire/error-codes.js';
import { MessageSetConversion, type ConvertedRecords } from './message-set-conversion.js';
import { RecordIngest, type CheckedBatch, type IngestOutcome } from './record-ingest.js';

/** Longest a Kafka produce waits for memory-pressure relief when the memory tier is full. */
export const MEMORY_WAIT_MAX_MS = 10_000;
/** How long a REST produce waits for memory-pressure relief when the memory tier is full. */
export const REST_MEMORY_WAIT_MS = 5_000;

/** How long each face lets a produce wait for room in a full memory tier. */
export const MemoryWait = {
  /** Kafka: half the request's timeout_ms (the client must still get its answer in time), at most MEMORY_WAIT_MAX_MS. */
  forKafka: (timeoutMs: number): number => Math.min(Math.max(timeoutMs, 0) / 2, MEMORY_WAIT_MAX_MS),
  /** REST: HTTP carries no timeout to go by, so a fixed wait. */
  forRest: (): number => REST_MEMORY_WAIT_MS,
} as const;

/** One partition's records in a produce request. */
export interface PartitionRecords {
  readonly topic: string;
  /** The partition, or how to pick it once the topic's partition count is known (REST: by key). */
  readonly partition: number | ((partitionCount: number) => number);
  /** One record batch, as produced (null: Kafka's null records, refused by validation). */
  readonly records: Buffer | null;
  /** Kafka Produce v0-2: `records` may be a legacy message set (magic 0/1), converted before the append. */
  readonly legacyFormat?: boolean;
}

export interface ProduceOutcome extends AppendOutcome {
  /** Records refused by validation or a plugin (reject-batch mode); empty otherwise. */
  readonly recordErrors: readonly RecordRefusal[];
  /** The partition written, or -1 when refused before one was picked. */
  readonly partition: number;
  /** The partition's log start offset after the append; -1 when the partition was not found or a plugin refused records (Kafka's log_start_offset). */
  readonly logStartOffset: number;
  readonly missing?: Refusal['missing'];
}

@Injectable()
export class ProduceService {
  constructor(
    private readonly topics: TopicsService,
    private readonly accountant: MemoryAccountant,
    private readonly ingest: RecordIngest,
    private readonly conversion: MessageSetConversion,
    private readonly fence: WriteFence,
  ) {}

  /** `start`, then every partition's outcome, in request order. */
  async produce(partitions: readonly PartitionRecords[], memoryWaitMs: number, nowMs: number): Promise<ProduceOutcome[]> {
    const started = this.start(partitions, memoryWaitMs, nowMs);
    return Promise.all(started instanceof Promise ? await started : started);
  }

  /**
   * Reserves the request's bytes in the memory tier (waiting up to `memoryWaitMs` when it is
   * full), checks every partition's batch (waiting while compressed ones are decompressed),
   * then starts every partition's ingest in request order, and returns once all are started
   * with one outcome per partition: the outcome itself where the append did not wait (memory
   * mode, no plugin), else its promise. Nothing that has to wait (the reservation, a legacy
   * conversion, a decompression): the whole answer in this turn, no promise made. A caller
   * that does not await the outcomes (Kafka acks=0) still has the batches appended in the
   * order they were produced: each append starts before the next partition's, and the next
   * request is not read before this one's checks are done (which bounds the decompressions a
   * producer that never waits for answers can have pending).
   */
  start(partitions: readonly PartitionRecords[], memoryWaitMs: number, nowMs: number): Started | Promise<Started> {
    const reserved = this.accountant.reserve(requestBytes(partitions), memoryWaitMs);
    if (reserved instanceof Promise || this.conversion.needed(partitions)) return this.startLater(partitions, reserved, nowMs);
    if (reserved === null) return memoryFull(partitions);
    if (partitions.length === 0) {
      reserved.release();
      return [];
    }
    const checks = new Array<PartitionChecked | Promise<PartitionChecked>>(partitions.length);
    let waiting = false;
    try {
      for (let i = 0; i < partitions.length; i++) {
        const check = this.checkPartition(partitions[i], nowMs);
        checks[i] = check;
        if (check instanceof Promise) waiting = true;
      }
    } catch (error) {
      reserved.release();
      throw error;
    }
    return waiting ? this.ingestChecked(reserved, checks) : this.ingestAll(reserved, checks as PartitionChecked[]);
  }

  /** `start` when the reservation or a legacy conversion waits. */
  private async startLater(
    partitions: readonly PartitionRecords[],
    reserved: MemoryReservation | null | Promise<MemoryReservation | null>,
    nowMs: number,
  ): Promise<Started> {
    const reservation = reserved instanceof Promise ? await reserved : reserved;
    if (reservation === null) return memoryFull(partitions);
    if (partitions.length === 0) reservation.release();
    const converted = this.conversion.needed(partitions) ? await this.conversion.convert(partitions) : partitions;
    let checks: Array<PartitionChecked | Promise<PartitionChecked>>;
    try {
      checks = converted.map((target) => this.checkPartition(target, nowMs));
    } catch (error) {
      reservation.release();
      throw error;
    }
    return this.ingestChecked(reservation, checks);
  }

  /** Once every check is done (a compressed batch decompressed), `ingestAll`. */
  private async ingestChecked(reservation: MemoryReservation, checks: Array<PartitionChecked | Promise<PartitionChecked>>): Promise<Started> {
    let checked: PartitionChecked[];
    try {
      checked = await Promise.all(checks);
    } catch (error) {
      reservation.release();
      throw error;
    }
    return this.ingestAll(reservation, checked);
  }

  /** Starts every checked partition's ingest in request order; the reservation goes back once all are done. */
  private ingestAll(reservation: MemoryReservation, checked: readonly PartitionChecked[]): Started {
    const countdown = new Countdown(checked.length, reservation);
    const outcomes = new Array<ProduceOutcome | Promise<ProduceOutcome>>(checked.length);
    for (let i = 0; i < checked.length; i++) {
      const check = checked[i];
      if ('errorCode' in check) {
        countdown.done();
        outcomes[i] = check;
      } else {
        outcomes[i] = this.ingestPartition(check, countdown);
      }
    }
    return outcomes;
  }

  /** The write fence, the topic look-up (or auto-creation), the partition, then the batch's check: a refusal, or the checked batch. */
  private checkPartition(target: ConvertedRecords<PartitionRecords>, nowMs: number): PartitionChecked | Promise<PartitionChecked> {
    const closed = this.fence.refusalFor(target.topic);
    if (closed !== null) return refused(typeof target.partition === 'number' ? target.partition : -1, closed);
    const topic = this.topics.resolve(target.topic, true);
    if (isRefusal(topic)) return refused(typeof target.partition === 'number' ? target.partition : -1, topic);
    const partition = typeof target.partition === 'number' ? target.partition : target.partition(topic.partitions.length);
    const log = this.topics.partitionOf(topic, partition);
    if (isRefusal(log)) return refused(partition, log);
    if (target.conversionRefusal !== undefined) return refused(partition, target.conversionRefusal);
    return this.ingest.check(topic, log, target.records, nowMs);
  }

  /** The partition's ingest (RecordIngest): its outcome, or a promise of it when the append waits. */
  private ingestPartition(batch: CheckedBatch, countdown: Countdown): ProduceOutcome | Promise<ProduceOutcome> {
    let ingested: IngestOutcome | Promise<IngestOutcome>;
    try {
      ingested = this.ingest.ingest(batch);
    } catch (error) {
      // As a rejected outcome, not a throw: the partitions after it still start (and count down).
      countdown.done();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (ingested instanceof Promise) return this.ingestedLater(batch, countdown, ingested);
    countdown.done();
    return produced(ingested, batch);
  }

  private async ingestedLater(batch: CheckedBatch, countdown: Countdown, ingested: Promise<IngestOutcome>): Promise<ProduceOutcome> {
    try {
      return produced(await ingested, batch);
    } finally {
      countdown.done();
    }
  }
}

/** Every partition's outcome in request order: the outcome itself, or its promise where the append waits. */
export type Started = Array<ProduceOutcome | Promise<ProduceOutcome>>;

const NO_REFUSALS: readonly RecordRefusal[] = [];

/** The one object a partition's outcome is made into (RecordIngest hands the append's own). */
function produced(outcome: IngestOutcome, batch: CheckedBatch): ProduceOutcome {
  const { errorCode, errorMessage, baseOffset, logAppendTimeMs, recordsAppended } = outcome;
  const recordErrors = outcome.recordErrors ?? NO_REFUSALS;
  const logStartOffset = recordErrors.length > 0 ? -1 : batch.log.logStartOffset;
  return { errorCode, errorMessage, baseOffset, logAppendTimeMs, recordsAppended, recordErrors, partition: batch.log.partition, logStartOffset };
}

function memoryFull(partitions: readonly PartitionRecords[]): Started {
  const full = refusal(ErrorCode.KAFKA_STORAGE_ERROR, MEMORY_FULL_MESSAGE);
  return partitions.map((target) => refused(typeof target.partition === 'number' ? target.partition : -1, full));
}

/**
 * Gives the request's memory reservation back once every partition is done. A class rather
 * than a closure per request: the bundle names every closure it creates (a defineProperty).
 */
class Countdown {
  constructor(
    private pending: number,
    private readonly reservation: MemoryReservation,
  ) {}

  done(): void {
    if (--this.pending === 0) this.reservation.release();
  }
}

/** A partition refused before its batch was read, or its checked batch (its partition: `log.partition`). */
type PartitionChecked = ProduceOutcome | CheckedBatch;

/** The record bytes of a Produce request's partitions (the memory it reserves; the produce quota's count). */
export function requestBytes(partitions: readonly PartitionRecords[]): number {
  let bytes = 0;
  for (let i = 0; i < partitions.length; i++) bytes += partitions[i].records?.length ?? 0;
  return bytes;
}

function refused(partition: number, { errorCode, errorMessage, missing }: Refusal): ProduceOutcome {
  return { errorCode, errorMessage, missing, partition, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0, recordErrors: NO_REFUSALS, logStartOffset: -1 };
}
