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
 */
import { Injectable } from '@nestjs/common';
import { BatchAppender, type AppendOutcome, type RecordsCheck } from '../storage/batch-appender.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { Topic } from '../storage/topic-registry.js';
import { PluginService, type RecordRefusal } from '../plugins/plugin.service.js';
import { ProduceProbe } from './produce.probe.js';

export interface IngestOutcome extends AppendOutcome {
  /** Records refused by validation or a plugin (reject-batch mode); empty otherwise. */
  readonly recordErrors: readonly RecordRefusal[];
}

/** A batch `check` has read: where it goes, and its verdict. */
export interface CheckedBatch {
  readonly topic: Topic;
  readonly log: PartitionLog;
  readonly records: Buffer | null;
  readonly nowMs: number;
  readonly check: RecordsCheck;
}

const NO_REFUSALS: readonly RecordRefusal[] = [];

function withRefusals(outcome: AppendOutcome): IngestOutcome {
  return { ...outcome, recordErrors: outcome.recordErrors ?? NO_REFUSALS };
}

@Injectable()
export class RecordIngest {
  constructor(
    private readonly appender: BatchAppender,
    private readonly plugins: PluginService,
    private readonly probe: ProduceProbe,
  ) {}

  check(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): CheckedBatch | Promise<CheckedBatch> {
    const problem = this.appender.validate(topic, records);
    if (problem !== null) return { topic, log, records, nowMs, check: { refusal: problem, opened: null } };
    const check = this.appender.checkRecords(topic, log, records as Buffer, nowMs);
    if (check instanceof Promise) return check.then((done) => ({ topic, log, records, nowMs, check: done }));
    return { topic, log, records, nowMs, check };
  }

  async ingest(checked: CheckedBatch): Promise<IngestOutcome> {
    const { topic, log, records, nowMs, check } = checked;
    if (check.refusal !== null) return withRefusals(check.refusal);
    const batch = records as Buffer;
    const outcome = this.plugins.active
      ? await this.ingestThroughPlugins(checked, batch)
      : withRefusals(await this.appender.appendValidated(topic, log, batch, nowMs));
    if (outcome.recordsAppended > 0) this.probe.batchAppended(log, outcome.recordsAppended, batch.length);
    return outcome;
  }

  private async ingestThroughPlugins({ topic, log, nowMs, check }: CheckedBatch, batch: Buffer): Promise<IngestOutcome> {
    const filtered = await this.plugins.filter(topic.name, log.partition, batch, check.opened ?? undefined);
    if (filtered.kind === 'refused') {
      const { errorCode, errorMessage, recordErrors } = filtered;
      return { errorCode, errorMessage, recordErrors, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
    }
    if (filtered.kind === 'all-dropped') return withRefusals(this.appender.acknowledgeDropped(log, batch));
    return withRefusals(await this.appender.appendValidated(topic, log, filtered.batch, nowMs));
  }
}
