/**
 * The one storage step every produce path takes once a batch has reached its partition
 * (Kafka Produce and REST produce alike): validate, run the plugin chain (the only awaited
 * step; skipped, and the path stays synchronous, when no plugin is loaded), then append what
 * the plugins left. A plugin refusal comes back as an outcome naming the refused records.
 */
import { Injectable } from '@nestjs/common';
import { BatchAppender, type AppendOutcome } from '../storage/batch-appender.js';
import type { PartitionLog } from '../storage/partition-log.js';
import type { Topic } from '../storage/topic-registry.js';
import { PluginService, type RecordRefusal } from '../plugins/plugin.service.js';
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
  ) {}

  ingest(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): IngestOutcome | Promise<IngestOutcome> {
    const outcome = this.ingestUncounted(topic, log, records, nowMs);
    const bytes = records?.length ?? 0;
    if (outcome instanceof Promise) return outcome.then((settled) => this.counted(settled, bytes));
    return this.counted(outcome, bytes);
  }

  private counted(outcome: IngestOutcome, bytes: number): IngestOutcome {
    if (outcome.recordsAppended > 0) this.probe.batchAppended(outcome.recordsAppended, bytes);
    return outcome;
  }

  private ingestUncounted(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): IngestOutcome | Promise<IngestOutcome> {
    if (!this.plugins.active) {
      const outcome = this.appender.append(topic, log, records, nowMs);
      return outcome instanceof Promise ? outcome.then(withoutRefusals) : withoutRefusals(outcome);
    }
    return this.ingestThroughPlugins(topic, log, records, nowMs);
  }

  private async ingestThroughPlugins(topic: Topic, log: PartitionLog, records: Buffer | null, nowMs: number): Promise<IngestOutcome> {
    const problem = this.appender.validate(topic, records);
    if (problem !== null) return withoutRefusals(problem);
    const batch = records as Buffer;
    const filtered = await this.plugins.filter(topic.name, log.partition, batch);
    if (filtered.kind === 'refused') {
      const { errorCode, errorMessage, recordErrors } = filtered;
      return { errorCode, errorMessage, recordErrors, baseOffset: -1, logAppendTimeMs: -1, recordsAppended: 0 };
    }
    if (filtered.kind === 'all-dropped') return withoutRefusals(this.appender.acknowledgeDropped(log, batch));
    return withoutRefusals(await this.appender.appendValidated(topic, log, filtered.batch, nowMs));
  }
}
