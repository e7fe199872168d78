/**
 * REST produce: the records become one uncompressed magic-2 batch (record-batch-encoder.ts)
 * that takes the Kafka Produce path through the ProduceService (topic auto-creation, a
 * bounded wait when the memory tier is full, validation, the plugin chain, the append; in
 * durable mode the answer waits for the WAL). Without a partition, the records' first key
 * picks it as the Java client's default partitioner would (RestPartitioner). A refusal
 * becomes its HTTP status (admin/http/refusals.ts), with the records a plugin refused.
 */
import { Injectable } from '@nestjs/common';
import { MemoryWait, ProduceService } from '../../produce/produce.service.js';
import { encodeRecordBatch } from '../../record-format/record-batch-encoder.js';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import { ErrorCode } from '../../wire/error-codes.js';
import type { Encoding } from '../dto/common.dto.js';
import type { ProducedDto } from '../dto/records.dto.js';
import { refusalException } from '../http/refusals.js';
import { requireStorageReady } from './storage-ready.js';
import { RestPartitioner } from './partitioner.js';
import { toNewRecord, type RecordFieldsText } from './record-codec.js';
import { RuntimeInfo } from './runtime-info.js';

@Injectable()
export class RecordProducer {
  constructor(
    private readonly producer: ProduceService,
    private readonly recovery: StorageRecovery,
    private readonly partitioner: RestPartitioner,
    private readonly runtime: RuntimeInfo,
  ) {}

  async produce(topicName: string, partition: number | undefined, fields: readonly RecordFieldsText[], encoding: Encoding = 'utf8'): Promise<ProducedDto> {
    requireStorageReady(this.recovery.state);
    const nowMs = this.runtime.nowMs();
    const records = fields.map((f, i) => toNewRecord(f, encoding, nowMs, i));
    const target = {
      topic: topicName,
      partition: partition ?? ((count: number) => this.partitioner.choose(topicName, count, records[0].key)),
      records: encodeRecordBatch(records),
    };
    const [outcome] = await this.producer.produce([target], MemoryWait.forRest(), nowMs);
    if (outcome.errorCode !== ErrorCode.NONE) {
      const errorMessage = outcome.errorMessage ?? `refused with Kafka error ${outcome.errorCode}`;
      throw refusalException({ ...outcome, errorMessage }, outcome.recordErrors.map((r) => `record ${r.batchIndex}: ${r.message}`));
    }
    return { topic: topicName, partition: outcome.partition, baseOffset: outcome.baseOffset, recordCount: records.length, logAppendTimeMs: outcome.logAppendTimeMs };
  }
}
