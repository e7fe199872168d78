/**
 * Produce (key 0), versions 0-11.
 * Each partition's record batch goes through the ProduceService: topic auto-creation when
 * the settings allow it, validation as Kafka 3.9 does it, sequence checks for idempotent
 * producers, the plugin chain when plugins are configured, then the append (bytes stored as
 * received). Memory mode answers once appended; durable mode once the batches are in the WAL
 * (a WAL that cannot write: KAFKA_STORAGE_ERROR). A full memory tier (max_memory) first
 * waits, at most half the request's timeout_ms and MEMORY_WAIT_MAX_MS, for relief; without
 * room every partition is KAFKA_STORAGE_ERROR.
 * Authorization (Kafka's KafkaApis): a transactional id needs Write on it (else every
 * partition is TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs Write (else its
 * partitions are TOPIC_AUTHORIZATION_FAILED and nothing of them is stored).
 * acks=0 gets no response at all, and is not held up by the WAL (its batches are still
 * stored in order); acks other than -1/0/1 is INVALID_REQUIRED_ACKS on every partition.
 * On the hot path: called straight from the transport; the record batches are views of the
 * request frame in pooled memory, stored as they are (kafka-api.decorator.ts, HotPath).
 * An unknown topic, an illegal topic name or a missing partition is UNKNOWN_TOPIC_OR_PARTITION,
 * as Kafka answers Produce (it checks its metadata cache, never the name).
 * A plugin refusal is INVALID_RECORD with record_errors naming each refused record.
 * v0-2 may carry legacy message sets (magic 0/1), converted to one record batch each as
 * Kafka 3.9 does (ProduceService; a set breaking Kafka's rules gets its error code, e.g.
 * CORRUPT_MESSAGE for a bad CRC-32); v3+ carrying one is INVALID_RECORD.
 * Quotas (QuotaEnforcement): the request's record bytes count for the client's
 * producer_byte_rate and its handling up to the append for request_percentage (not for
 * acks=0, as in Kafka); over either, throttle_time_ms carries the larger throttle and the
 * connection is muted for it, acks=0 included (no response, still muted).
 * v2+: log_append_time_ms; v5+: log_start_offset; v8+: record_errors and error_message;
 * v9+: flexible; v10+: the current leader and its endpoint come with NOT_LEADER_OR_FOLLOWER
 * answers (KIP-951: never on one node, which leads every partition); v11+:
 * TRANSACTION_ABORTABLE is possible (KIP-890: only for transactional producers).
 */
import { Controller, Logger } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { QuotaEnforcement } from '../quota-enforcement.js';
import { MemoryWait, ProduceService, requestBytes, type PartitionRecords, type ProduceOutcome, type Started } from '../../produce/produce.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ProduceApi,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponseBatchIndexAndErrorMessage,
  type ProduceResponsePartitionProduceResponse,
  type ProduceResponseTopicProduceResponse,
} from '../../wire/messages/00-produce.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import { NO_RESPONSE, type KafkaRequest } from '../transport/kafka-request.js';
import { sessionOf } from '../transport/kafka-session.js';

const VALID_ACKS = new Set([-1, 0, 1]);
/** Produce v3 (Kafka 0.11) brought record batches; earlier versions carry legacy message sets. */
const FIRST_RECORD_BATCH_VERSION = 3;

@Controller()
export class ProduceHandler {
  private readonly log = new Logger('Produce');

  constructor(
    private readonly producer: ProduceService,
    private readonly enforcement: QuotaEnforcement,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * The answer itself when nothing waits (memory reserved at once, batches checked and
   * appended in this turn); a promise otherwise. Every partition is walked in plain loops
   * into arrays of its exact size: no per-partition closure or promise on the way.
   */
  @KafkaApi(ProduceApi, { min: 0, max: 11, hotPath: { pinsStoredBatches: false } })
  produce(request: KafkaRequest<ProduceRequest>): ProduceResponse | typeof NO_RESPONSE | Promise<ProduceResponse | typeof NO_RESPONSE> {
    const { header, body, receivedAtMs } = request;
    const startedAt = performance.now();
    if (!VALID_ACKS.has(body.acks)) return this.refuseAcks(body);
    const session = sessionOf(request);
    if (body.transactionalId !== null && !this.authorizer.authorize(session, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return this.refuseAll(body, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const legacyFormat = header.apiVersion < FIRST_RECORD_BATCH_VERSION;
    const topics = body.topicData;
    const writable = new Array<boolean>(topics.length);
    let count = 0;
    for (let t = 0; t < topics.length; t++) {
      writable[t] = this.authorizer.authorize(session, AclOperation.WRITE, ResourceType.TOPIC, topics[t].name);
      if (writable[t]) count += topics[t].partitionData.length;
    }
    const partitions = new Array<PartitionRecords>(count);
    let next = 0;
    for (let t = 0; t < topics.length; t++) {
      if (!writable[t]) continue;
      const { name, partitionData } = topics[t];
      for (let p = 0; p < partitionData.length; p++) partitions[next++] = { topic: name, partition: partitionData[p].index, records: partitionData[p].records, legacyFormat };
    }
    const started = this.producer.start(partitions, MemoryWait.forKafka(body.timeoutMs), receivedAtMs);
    if (started instanceof Promise) return started.then((outcomes) => this.answer(request, writable, partitions, outcomes, startedAt));
    return this.answer(request, writable, partitions, started, startedAt);
  }

  /** Once every partition is started: the throttle, then the response (once every outcome is in) or none (acks=0). */
  private answer(
    request: KafkaRequest<ProduceRequest>,
    writable: readonly boolean[],
    partitions: readonly PartitionRecords[],
    started: Started,
    startedAt: number,
  ): ProduceResponse | typeof NO_RESPONSE | Promise<ProduceResponse> {
    const throttleTimeMs = this.throttle(request, partitions, performance.now() - startedAt);
    let waiting = false;
    for (let i = 0; i < started.length; i++) if (started[i] instanceof Promise) waiting = true;
    if (request.body.acks === 0) {
      if (waiting) Promise.all(started).catch((error: unknown) => this.log.error(`acks=0 produce failed: ${(error as Error).stack ?? String(error)}`));
      return NO_RESPONSE;
    }
    if (waiting) return Promise.all(started).then((outcomes) => respond(request.body, writable, outcomes, throttleTimeMs));
    return respond(request.body, writable, started as ProduceOutcome[], throttleTimeMs);
  }

  /** Kafka answers a refused transactional id for the whole request, every partition. */
  private refuseAll(body: ProduceRequest, errorCode: number): ProduceResponse | typeof NO_RESPONSE {
    if (body.acks === 0) return NO_RESPONSE;
    return { throttleTimeMs: 0, responses: this.nest(body, (index) => failed(index, errorCode, null)) };
  }

  private throttle(request: KafkaRequest<ProduceRequest>, partitions: readonly PartitionRecords[], handlingMs: number): number {
    const produce = this.enforcement.quotas.record('produce', this.enforcement.client(request), requestBytes(partitions));
    const requestThrottle = request.body.acks === 0 ? 0 : this.enforcement.handlingTime(request, handlingMs);
    if (produce <= 0 && requestThrottle <= 0) return 0;
    return this.enforcement.apply(request, { produce, request: requestThrottle });
  }

  private refuseAcks(body: ProduceRequest): ProduceResponse {
    const message = `acks must be -1, 0 or 1, got ${body.acks}`;
    return { throttleTimeMs: 0, responses: this.nest(body, (index) => failed(index, ErrorCode.INVALID_REQUIRED_ACKS, message)) };
  }

  /** The response's topics and partitions in request order, each partition answered by `partitionAnswer`. */
  private nest(body: ProduceRequest, partitionAnswer: (index: number) => ProduceResponsePartitionProduceResponse): ProduceResponse['responses'] {
    return body.topicData.map((topic) => ({ name: topic.name, partitionResponses: topic.partitionData.map((data) => partitionAnswer(data.index)) }));
  }
}

/** The response: the writable topics' partitions answered by their outcomes, in request order, the others refused. */
function respond(body: ProduceRequest, writable: readonly boolean[], outcomes: readonly ProduceOutcome[], throttleTimeMs: number): ProduceResponse {
  const topics = body.topicData;
  const responses = new Array<ProduceResponseTopicProduceResponse>(topics.length);
  let next = 0;
  for (let t = 0; t < topics.length; t++) {
    const { name, partitionData } = topics[t];
    const partitionResponses = new Array<ProduceResponsePartitionProduceResponse>(partitionData.length);
    for (let p = 0; p < partitionData.length; p++) {
      partitionResponses[p] = writable[t] ? answer(outcomes[next++]) : failed(partitionData[p].index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null);
    }
    responses[t] = { name, partitionResponses };
  }
  return { throttleTimeMs, responses };
}

/** Shared by every answer without record errors (the encoder only reads it). */
const NO_RECORD_ERRORS = Object.freeze([]) as unknown as ProduceResponseBatchIndexAndErrorMessage[];

function answer(outcome: ProduceOutcome): ProduceResponsePartitionProduceResponse {
  // An illegal name never reaches Kafka's log layer: its Produce answers UNKNOWN_TOPIC_OR_PARTITION.
  if (outcome.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION) return failed(outcome.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, outcome.errorMessage);
  return {
    index: outcome.partition,
    errorCode: outcome.errorCode,
    errorMessage: outcome.errorMessage,
    baseOffset: outcome.baseOffset,
    logAppendTimeMs: outcome.logAppendTimeMs,
    logStartOffset: outcome.logStartOffset,
    recordErrors: outcome.recordErrors.length === 0 ? NO_RECORD_ERRORS : outcome.recordErrors.map((r) => ({ batchIndex: r.batchIndex, batchIndexErrorMessage: r.message })),
  };
}

function failed(index: number, errorCode: number, errorMessage: string | null): ProduceResponsePartitionProduceResponse {
  return { index, errorCode, errorMessage, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}
