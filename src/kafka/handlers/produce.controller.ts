/**
 * Produce (key 0), versions 0-9, and InitProducerId (key 22), versions 0-4.
 * Produce: each partition's record batch is validated, sequence-checked for idempotent
 * producers and stored as received (see BatchAppender). acks=0 gets no response at all;
 * acks other than -1/0/1 is INVALID_REQUIRED_ACKS. v0-2 carry legacy message sets
 * (magic 0/1), refused with UNSUPPORTED_FOR_MESSAGE_FORMAT. v2+: log_append_time_ms,
 * v5+: log_start_offset, v8+: error_message. Topics are auto-created when the settings
 * allow it.
 * InitProducerId: a fresh producer id with epoch 0 on every call, as Kafka does without a
 * transactional id (v3+ clients may send their current id/epoch; Kafka ignores them then).
 * Transactional ids are refused: Blink has no transaction coordinator.
 */
import { Controller } from '@nestjs/common';
import { BatchAppender, type AppendOutcome } from '../../storage/batch-appender.js';
import { ProducerIdAllocator } from '../../storage/producer-ids.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { KafkaProbe } from '../../metrics/kafka.probe.js';
import { ErrorCode, type ErrorCodeValue } from '../protocol/error-codes.js';
import {
  InitProducerIdApi,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from '../protocol/messages/22-init-producer-id.js';
import {
  ProduceApi,
  type ProduceRequest,
  type ProduceRequestPartitionProduceData,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
} from '../protocol/messages/00-produce.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import { NO_RESPONSE, type KafkaRequest } from '../transport/kafka-request.js';

const VALID_ACKS = new Set([-1, 0, 1]);

@Controller()
export class ProduceController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly appender: BatchAppender,
    private readonly producerIds: ProducerIdAllocator,
    private readonly probe: KafkaProbe,
  ) {}

  @KafkaApi(ProduceApi, { min: 0, max: 9 })
  produce({ body, receivedAtMs }: KafkaRequest<ProduceRequest>): ProduceResponse | typeof NO_RESPONSE {
    const acksError = VALID_ACKS.has(body.acks) ? null : ErrorCode.INVALID_REQUIRED_ACKS;
    const responses = body.topicData.map((topicData) => ({
      name: topicData.name,
      partitionResponses: topicData.partitionData.map((partitionData) =>
        acksError !== null
          ? this.failed(partitionData.index, acksError, `acks must be -1, 0 or 1, got ${body.acks}`)
          : this.appendPartition(topicData.name, partitionData, receivedAtMs),
      ),
    }));
    return body.acks === 0 ? NO_RESPONSE : { responses, throttleTimeMs: 0 };
  }

  @KafkaApi(InitProducerIdApi, { min: 0, max: 4 })
  initProducerId({ body }: KafkaRequest<InitProducerIdRequest>): InitProducerIdResponse {
    if (body.transactionalId !== null) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    return { errorCode: ErrorCode.NONE, ...this.producerIds.allocate() };
  }

  private appendPartition(
    topicName: string,
    data: ProduceRequestPartitionProduceData,
    nowMs: number,
  ): ProduceResponsePartitionProduceResponse {
    const topic = this.topics.getOrAutoCreate(topicName, true);
    const log = topic?.partitions[data.index];
    if (topic === undefined || log === undefined) {
      return this.failed(data.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic or partition ${topicName}-${data.index}`);
    }
    const outcome: AppendOutcome = this.appender.append(topic, log, data.records, nowMs);
    if (outcome.recordsAppended > 0) this.probe.batchAppended(outcome.recordsAppended, data.records?.length ?? 0);
    return {
      index: data.index,
      errorCode: outcome.errorCode,
      errorMessage: outcome.errorMessage,
      baseOffset: outcome.baseOffset,
      logAppendTimeMs: outcome.logAppendTimeMs,
      logStartOffset: log.logStartOffset,
    };
  }

  private failed(index: number, errorCode: ErrorCodeValue, errorMessage: string): ProduceResponsePartitionProduceResponse {
    return { index, errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
  }
}
