/**
 * Produce v0-2 (the Kafka face says which requests may carry them): a partition's records
 * may be a legacy message set (magic 0/1). It is up-converted to the record batch Kafka 3.9
 * stores for it (record-format/legacy-up-conversion.ts) before the produce path proper
 * (validation, plugins, append) sees it; a set that breaks a rule gets its Kafka error code
 * as that partition's answer. Records that are already a record batch (Kafka accepts magic 2
 * at Produce v0-2 too) pass unchanged. Conversions are counted with their time (ProduceProbe:
 * Kafka's ProduceMessageConversionsPerSec and MessageConversionsTimeMs).
 */
import { Injectable } from '@nestjs/common';
import { CONVERSION_DECOMPRESSED_BYTES_MAX, LegacyFormatError, startsWithLegacyMessage } from '../record-format/legacy-message.js';
import { upConvertMessageSet } from '../record-format/legacy-up-conversion.js';
import { refusal, type Refusal } from '../topics/refusal.js';
import { ProduceProbe } from './produce.probe.js';

/** One partition's records, as the produce service receives them. */
export interface ProducedRecords {
  readonly records: Buffer | null;
  /** Produce v0-2: `records` may be a legacy message set. */
  readonly legacyFormat?: boolean;
}

/** The records to append, or why the partition is refused before its append. */
export type ConvertedRecords<T extends ProducedRecords> = T & { readonly conversionRefusal?: Refusal };

@Injectable()
export class MessageSetConversion {
  constructor(private readonly probe: ProduceProbe) {}

  /** True when some partition holds a legacy message set (the only case `convert` has work). */
  needed(partitions: readonly ProducedRecords[]): boolean {
    return partitions.some(isLegacySet);
  }

  /** Every partition, its legacy message set (if any) replaced by a record batch or by a refusal. */
  convert<T extends ProducedRecords>(partitions: readonly T[]): Promise<Array<ConvertedRecords<T>>> {
    return Promise.all(partitions.map((target) => (isLegacySet(target) ? this.convertOne(target) : target)));
  }

  private async convertOne<T extends ProducedRecords>(target: T): Promise<ConvertedRecords<T>> {
    const startedAt = performance.now();
    try {
      const { batch, recordCount } = await upConvertMessageSet(target.records as Buffer, CONVERSION_DECOMPRESSED_BYTES_MAX);
      this.probe.messagesUpConverted(recordCount, (performance.now() - startedAt) / 1000);
      return { ...target, records: batch };
    } catch (error) {
      if (!(error instanceof LegacyFormatError)) throw error;
      return { ...target, records: null, conversionRefusal: refusal(error.errorCode, error.message) };
    }
  }
}

function isLegacySet(target: ProducedRecords): boolean {
  return target.legacyFormat === true && target.records !== null && startsWithLegacyMessage(target.records);
}
