/**
 * The one storage step every produce path takes once a batch has reached its partition
 * (Kafka Produce and REST produce alike): validate, run the plugin chain (skipped when no
 * plugin is loaded), then append what the plugins left. Without plugins the append starts
 * before the first await (BatchAppender assigns the offsets synchronously), so batches started
 * in order are stored in order even when their answers are not awaited (acks=0). A plugin
 * refusal comes back as an outcome naming the refused records. A batch in pooled memory
 * (storage/batch-memory.ts) is held from the call until its outcome, whoever else lets go of
 * it meanwhile (the transport, once an acks=0 request is answered).
 * A transactional batch is first checked by the transaction coordinator (its producer must
 * be the current one of an ongoing transaction holding the partition), synchronously right
 * before its append, so no transaction can end between the check and the append.
 */
import { Injectable } from '@nestjs/common';
import { BatchAppender, refused, type AppendOutcome } from '../storage/batch-appender.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { Topic } from '../storage/topic-registry.js';
import { PluginService, type RecordRefusal } from '../plugins/plugin.service.js';
import { TransactionCoordinator } from '../txn/transaction-coordinator.js';
import { ProduceProbe } from './produce.probe.js';

export interface IngestOutcome extends AppendOutcome {
  /** Records a plugin refused (reject-batch mode); empty otherwise. */
  readonly recordErrors: readonly RecordRefusal[];
}

const NO_REFUSALS: readonly RecordRefusal[] = [];

function withoutRefusals(outcome: AppendOutcome): IngestOutcome {
  return { ...outcome, recordErrors: NO_REFUSALS };
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

  async ingest(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): Promise<IngestOutcome> {
    const memory = this.accountant.memory;
    memory.retain(records);
    try {
      const outcome = this.plugins.active
        ? await this.ingestThroughPlugins(topic, log, records, nowMs)
        : withoutRefusals(await this.appendVerified(topic, log, records, nowMs, (batch) => this.appender.append(topic, log, batch, nowMs)));
      if (outcome.recordsAppended > 0) this.probe.batchAppended(log, outcome.recordsAppended, records?.length ?? 0);
      return outcome;
    } finally {
      memory.release(records);
    }
  }

  private async ingestThroughPlugins(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): Promise<IngestOutcome> {
    const problem = this.appender.validate(topic, records);
    if (problem !== null) return withoutRefusals(problem);
    const batch = records as Buffer;
    const keys = await this.appender.keyProblem(topic, log, batch);
    if (keys !== null) return withoutRefusals(keys);
    const filtered = await this.plugins.filter(topic.name, log.partition, batch);
    if (filtered.kind === 'refused') {
      const { errorCode, errorMessage, recordErrors } = filtered;
      return { errorCode, errorMessage, recordErrors, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
    }
    if (filtered.kind === 'all-dropped') return withoutRefusals(this.appender.acknowledgeDropped(log, batch));
    return withoutRefusals(await this.appendVerified(topic, log, filtered.batch, nowMs, (batch) => this.appender.appendValidated(topic, log, batch, nowMs)));
  }

  /** The coordinator's check of a transactional batch, then `append` in the same synchronous run. */
  private appendVerified<B extends Buffer | null>(
    topic: Topic,
    log: PartitionLog,
    records: B,
    nowMs: number,
    append: (batch: B) => AppendOutcome | Promise<AppendOutcome>,
  ): AppendOutcome | Promise<AppendOutcome> {
    const refusal = this.transactions.verifyAppend(topic.name, log, records);
    return refusal === null ? append(records) : refused(refusal.errorCode, refusal.errorMessage);
  }
}
