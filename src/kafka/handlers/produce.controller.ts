/**
 * Produce (key 0), versions 0-9, and InitProducerId (key 22), versions 0-4.
 * Produce: each partition's record batch is validated, sequence-checked for idempotent
 * producers and stored as received (see BatchAppender). acks=0 gets no response at all;
 * acks other than -1/0/1 is INVALID_REQUIRED_ACKS. v0-2 carry legacy message sets
 * (magic 0/1), refused with UNSUPPORTED_FOR_MESSAGE_FORMAT. v2+: log_append_time_ms,
 * v5+: log_start_offset, v8+: error_message. Topics are auto-created when the settings
 * allow it. Memory mode answers synchronously; durable mode once the batches are in the WAL
 * (acks=0: not awaited). A WAL that cannot write answers KAFKA_STORAGE_ERROR. When the memory
 * tier is full (max_memory) the request first waits, at most half its timeout and
 * MEMORY_WAIT_MAX_MS, for memory-pressure relief; without room it is KAFKA_STORAGE_ERROR.
 * With plugins configured (plugin_paths), a validated batch goes through the plugin chain
 * before it is appended (PluginService.filter, one awaited call): a refusal answers
 * INVALID_RECORD with v8+ record_errors naming each refused record, a drop-record rewrite
 * stores the remaining records, and nothing is stored half.
 * InitProducerId: a fresh producer id with epoch 0 on every call, as Kafka does without a
 * transactional id (v3+ clients may send their current id/epoch; Kafka ignores them then).
 * Transactional ids are refused: Blink has no transaction coordinator.
 */
import { Controller } from '@nestjs/common';
import { MEMORY_FULL_MESSAGE, MemoryAccountant } from '../../storage/memory-accountant.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { ProducerIdAllocator } from '../../storage/producer-ids.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { RecordIngest, type IngestOutcome } from '../../produce/record-ingest.js';
import { ErrorCode, type ErrorCodeValue } from '../../wire/error-codes.js';
import {
  InitProducerIdApi,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../../wire/messages/22-init-producer-id.js';
import {
  ProduceApi,
  type ProduceRequest,
  type ProduceRequestPartitionProduceData,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../../wire/messages/00-produce.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import { NO_RESPONSE, type KafkaRequest } from '../transport/kafka-request.js';

const VALID_ACKS = new Set([-1, 0, 1]);
/** Longest a produce waits for memory-pressure relief when the memory tier is full. */
export const MEMORY_WAIT_MAX_MS = 10_000;

type PartitionAnswer = ProduceResponsePartitionProduceResponse | Promise<ProduceResponsePartitionProduceResponse>;

@Controller()
export class ProduceController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly producerIds: ProducerIdAllocator,
    private readonly accountant: MemoryAccountant,
    private readonly ingest: RecordIngest,
  ) {}

  @KafkaApi(ProduceApi, { min: 0, max: 9 })
  produce({ body, receivedAtMs }: KafkaRequest<ProduceRequest>): ProduceResponse | typeof NO_RESPONSE | Promise<ProduceResponse | typeof NO_RESPONSE> {
    if (this.accountant.isFull) return this.produceWhenRoom(body, receivedAtMs);
    return this.produceNow(body, receivedAtMs);
  }

  private produceNow(body: ProduceRequest, nowMs: number): ProduceResponse | typeof NO_RESPONSE | Promise<ProduceResponse | typeof NO_RESPONSE> {
    const acksError = VALID_ACKS.has(body.acks) ? null : ErrorCode.INVALID_REQUIRED_ACKS;
    let pending = false;
    const answers = body.topicData.map((topicData) => ({
      name: topicData.name,
      partitionResponses: topicData.partitionData.map((partitionData): PartitionAnswer => {
        if (acksError !== null) return this.failed(partitionData.index, acksError, `acks must be -1, 0 or 1, got ${body.acks}`);
        const answer = this.appendPartition(topicData.name, partitionData, nowMs);
        pending ||= answer instanceof Promise;
        return answer;
      }),
    }));
    if (body.acks === 0) return NO_RESPONSE;
    if (!pending) return { responses: answers as ProduceResponse['responses'], throttleTimeMs: 0 };
    return Promise.all(
      answers.map(async (topic) => ({ name: topic.name, partitionResponses: await Promise.all(topic.partitionResponses) })),
    ).then((responses) => ({ responses, throttleTimeMs: 0 }));
  }

  private async produceWhenRoom(body: ProduceRequest, nowMs: number): Promise<ProduceResponse | typeof NO_RESPONSE> {
    const waitMs = Math.min(Math.max(body.timeoutMs, 0) / 2, MEMORY_WAIT_MAX_MS);
    if (await this.accountant.waitForRoom(waitMs)) return this.produceNow(body, nowMs);
    if (body.acks === 0) return NO_RESPONSE;
    return {
      throttleTimeMs: 0,
      responses: body.topicData.map((topicData) => ({
        name: topicData.name,
        partitionResponses: topicData.partitionData.map((p) => this.failed(p.index, ErrorCode.KAFKA_STORAGE_ERROR, MEMORY_FULL_MESSAGE)),
      })),
    };
  }

  @KafkaApi(InitProducerIdApi, { min: 0, max: 4 })
  initProducerId({ body }: KafkaRequest<InitProducerIdRequest>): InitProducerIdResponse {
    if (body.transactionalId !== null) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    return { errorCode: ErrorCode.NONE, ...this.producerIds.allocate() };
  }

  private appendPartition(topicName: string, data: ProduceRequestPartitionProduceData, nowMs: number): PartitionAnswer {
    const topic = this.topics.getOrAutoCreate(topicName, true);
    const log = topic?.partitions[data.index];
    if (topic === undefined || log === undefined) {
      return this.failed(data.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${topicName}-${data.index}`);
    }
    const outcome = this.ingest.ingest(topic, log, data.records, nowMs);
    if (outcome instanceof Promise) return outcome.then((settled) => this.answer(data, log, settled));
    return this.answer(data, log, outcome);
  }

  private answer(data: ProduceRequestPartitionProduceData, log: PartitionLog, outcome: IngestOutcome): ProduceResponsePartitionProduceResponse {
    return {
      index: data.index,
      errorCode: outcome.errorCode,
      errorMessage: outcome.errorMessage,
      baseOffset: outcome.baseOffset,
      logAppendTimeMs: outcome.logAppendTimeMs,
      logStartOffset: outcome.recordErrors.length > 0 ? -1 : log.logStartOffset,
      recordErrors: outcome.recordErrors.map((r) => ({ batchIndex: r.batchIndex, batchIndexErrorMessage: r.message })),
    };
  }

  private failed(index: number, errorCode: ErrorCodeValue, errorMessage: string): ProduceResponsePartitionProduceResponse {
    return { index, errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
  }
}
