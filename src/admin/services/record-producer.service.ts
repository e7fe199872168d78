/**
 * REST produce: the records become one uncompressed magic-2 batch (record-batch-encoder.ts)
 * that takes the same steps as a Kafka Produce partition (produce.controller.ts): topic
 * auto-creation, a bounded wait when the memory tier is full, then RecordIngest (validation,
 * the plugin chain when plugins are configured, the append — in durable mode once the batch
 * is in the WAL). Kafka error codes become HTTP
 * statuses: too large 413, refused by a plugin 422, storage unavailable 503.
 */
import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Injectable,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import { encodeRecordBatch } from '../../record-format/record-batch-encoder.js';
import { RecordIngest } from '../../produce/record-ingest.js';
import type { AppendOutcome } from '../../storage/batch-appender.js';
import { MEMORY_FULL_MESSAGE, MemoryAccountant } from '../../storage/memory-accountant.js';
import { topicNameProblem, TopicRegistry, type Topic } from '../../storage/topic-registry.js';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import type { Encoding } from '../dto/common.dto.js';
import type { ProducedDto } from '../dto/records.dto.js';
import { requirePartition, requireStorageReady } from './lookups.js';
import { RestPartitioner } from './partitioner.js';
import { toNewRecord, type RecordFieldsText } from './record-codec.js';
import { RuntimeInfo } from './runtime-info.js';

/** Longest a REST produce waits for memory-pressure relief when the memory tier is full. */
export const REST_MEMORY_WAIT_MS = 5_000;

@Injectable()
export class RecordProducer {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly accountant: MemoryAccountant,
    private readonly ingest: RecordIngest,
    private readonly recovery: StorageRecovery,
    private readonly partitioner: RestPartitioner,
    private readonly runtime: RuntimeInfo,
  ) {}

  async produce(topicName: string, partition: number | undefined, fields: readonly RecordFieldsText[], encoding: Encoding = 'utf8'): Promise<ProducedDto> {
    requireStorageReady(this.recovery.state);
    const nowMs = this.runtime.nowMs();
    const records = fields.map((f, i) => toNewRecord(f, encoding, nowMs, i));
    const topic = this.topicFor(topicName);
    const chosen = partition ?? this.partitioner.choose(topic.name, topic.partitions.length, records[0].key);
    const log = requirePartition(topic, chosen);
    if (this.accountant.isFull && !(await this.accountant.waitForRoom(REST_MEMORY_WAIT_MS))) {
      throw new ServiceUnavailableException(MEMORY_FULL_MESSAGE);
    }
    const batch = encodeRecordBatch(records);
    const outcome = await this.ingest.ingest(topic, log, batch, nowMs);
    if (outcome.errorCode !== ErrorCode.NONE) {
      throw this.failure(outcome, outcome.recordErrors.map((r) => `record ${r.batchIndex}: ${r.message}`));
    }
    return { topic: topic.name, partition: chosen, baseOffset: outcome.baseOffset, recordCount: records.length, logAppendTimeMs: outcome.logAppendTimeMs };
  }

  private topicFor(name: string): Topic {
    const topic = this.topics.getOrAutoCreate(name, true);
    if (topic !== undefined) return topic;
    const problem = topicNameProblem(name);
    if (problem !== null) throw new BadRequestException(problem);
    throw new NotFoundException(`topic '${name}' does not exist (auto_create_topics is off)`);
  }

  private failure(outcome: Pick<AppendOutcome, 'errorCode' | 'errorMessage'>, details: string[] = []): HttpException {
    const message = outcome.errorMessage ?? `refused with Kafka error ${outcome.errorCode}`;
    const body = { message, details };
    switch (outcome.errorCode) {
      case ErrorCode.MESSAGE_TOO_LARGE:
        return new PayloadTooLargeException(body);
      case ErrorCode.INVALID_RECORD:
        return new UnprocessableEntityException(body);
      case ErrorCode.KAFKA_STORAGE_ERROR:
        return new ServiceUnavailableException(body);
      case ErrorCode.CORRUPT_MESSAGE:
        return new HttpException(body, HttpStatus.BAD_REQUEST);
      default:
        return new InternalServerErrorException(body);
    }
  }
}

