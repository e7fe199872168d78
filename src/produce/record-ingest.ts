/**
 * The one storage step every produce path takes once a batch has reached its partition
 * (Kafka Produce and REST produce alike), in two halves:
 * - `check`: validation, every record read once (BatchAppender.validate and checkRecords);
 *   synchronous for an uncompressed batch, a promise while a compressed one is decompressed;
 * - `ingest`: the plugin chain (skipped when no plugin is loaded; it gets the records
 *   `check` decompressed), then the append of what the plugins left.
 * Without plugins `ingest` appends before its first await (BatchAppender assigns the offsets
 * synchronously), so batches whose `ingest` starts in order are stored in order even when
 * their answers are not awaited (acks=0): ProduceService starts them only once every batch
 * of the request is checked. A refusal (validation or a plugin) comes back as an outcome,
 * naming the refused records where Kafka does.
 * A batch in pooled memory (storage/batch-memory.ts) is held from `ingest` until its
 * outcome, whoever else lets go of it meanwhile (the transport, once an acks=0 request is
 * answered). A transactional batch is first checked by the transaction coordinator (its
 * producer must be the current one of an ongoing transaction holding the partition),
 * synchronously right before its append, so no transaction can end between the check and
 * the append.
 */
import { Injectable } from '@nestjs/common';
import { BatchAppender, refused, type AppendOutcome, type RecordsCheck } from '../storage/batch-appender.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { Topic } from '../storage/topic-registry.js';
import { PluginService, type RecordRefusal } from '../plugins/plugin.service.js';
import { TransactionCoordinator } from '../txn/transaction-coordinator.js';
import { ProduceProbe } from './produce.probe.js';

/**
 * The append's outcome as it comes (no copy per batch): `recordErrors`, the records refused by
 * validation or a plugin (reject-batch mode), is absent when none was.
 */
export interface IngestOutcome extends AppendOutcome {
  readonly recordErrors?: readonly RecordRefusal[];
}

/** A batch `check` has read: where it goes, and its verdict. */
export interface CheckedBatch {
  readonly topic: Topic;
  readonly log: PartitionLog;
  readonly records: Buffer | null;
  readonly nowMs: number;
  readonly check: RecordsCheck;
}

@Injectable()
export class RecordIngest {
  constructor(
    private readonly appender: BatchAppender,
    private readonly plugins: PluginService,
    private readonly probe: ProduceProbe,
    private readonly transactions: TransactionCoordinator,
    private readonly accountant: MemoryAccountant,
  ) {}

  check(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): CheckedBatch | Promise<CheckedBatch> {
    const problem = this.appender.validate(topic, records);
    if (problem !== null) return { topic, log, records, nowMs, check: { refusal: problem, opened: null } };
    const check = this.appender.checkRecords(topic, log, records as Buffer, nowMs, this.plugins.active);
    if (check instanceof Promise) return check.then((done) => ({ topic, log, records, nowMs, check: done }));
    return { topic, log, records, nowMs, check };
  }

  /**
   * The append of a checked batch (through the plugins when any is loaded): the outcome itself
   * when nothing waits (no plugin, memory mode), else a promise; the batch is held until then.
   */
  ingest(checked: CheckedBatch): IngestOutcome | Promise<IngestOutcome> {
    const { topic, log, records, nowMs, check } = checked;
    if (check.refusal !== null) return check.refusal;
    const batch = records as Buffer;
    if (this.plugins.active) return this.ingestLater(log, batch, this.ingestThroughPlugins(checked, batch));
    const appended = this.appendVerified(topic, log, batch, nowMs);
    if (appended instanceof Promise) return this.ingestLater(log, batch, appended);
    return this.appended(log, batch, appended);
  }

  /** Holds `batch` (from this call on: an async function runs until its first await) until `pending` is over. */
  private async ingestLater(log: PartitionLog, batch: Buffer, pending: Promise<AppendOutcome>): Promise<IngestOutcome> {
    const memory = this.accountant.memory;
    memory.retain(batch);
    try {
      return this.appended(log, batch, await pending);
    } finally {
      memory.release(batch);
    }
  }

  private appended(log: PartitionLog, batch: Buffer, outcome: AppendOutcome): IngestOutcome {
    if (outcome.recordsAppended > 0) this.probe.batchAppended(log, outcome.recordsAppended, batch.length);
    return outcome;
  }

  private async ingestThroughPlugins({ topic, log, nowMs, check }: CheckedBatch, batch: Buffer): Promise<AppendOutcome> {
    const filtered = await this.plugins.filter(topic.name, log.partition, batch, check.opened ?? undefined);
    if (filtered.kind === 'refused') {
      const { errorCode, errorMessage, recordErrors } = filtered;
      return { errorCode, errorMessage, recordErrors, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
    }
    if (filtered.kind === 'all-dropped') return this.appender.acknowledgeDropped(log, batch);
    return this.appendVerified(topic, log, filtered.batch, nowMs);
  }

  /** The coordinator's check of a transactional batch, then the append in the same synchronous run. */
  private appendVerified(topic: Topic, log: PartitionLog, batch: Buffer, nowMs: number): AppendOutcome | Promise<AppendOutcome> {
    const refusal = this.transactions.verifyAppend(topic.name, log, batch);
    return refusal === null ? this.appender.appendValidated(topic, log, batch, nowMs) : refused(refusal.errorCode, refusal.errorMessage);
  }
}
