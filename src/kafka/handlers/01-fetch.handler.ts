/**
 * Fetch (key 1), versions 0-17.
 * Serves the stored batches byte for byte through the FetchService (whole batches, from the
 * one holding fetch_offset; the client skips records below it), written with vectored
 * writes. Answers at once when min_bytes is reached, on any partition error, or when
 * max_wait_ms is 0; otherwise parks until an append brings enough bytes or max_wait_ms
 * passes. Limits: partition_max_bytes per partition and max_bytes (v3+; before v3 no limit
 * per response) except that the first batch found is always returned whole (KIP-74), so
 * consumers make progress. Batches offloaded to the WAL are read back from disk (at most
 * COLD_READ_BYTES_MAX per partition and fetch). With purge_on_fetch, the batches a
 * response carries whole are removed once it is built.
 * Authorization: each topic needs Read (else its partitions are TOPIC_AUTHORIZATION_FAILED).
 * A fetch from a follower replica (replica id >= 0) is NOT_LEADER_OR_FOLLOWER on every
 * partition: a single node has no followers.
 * v0-3: clients that read only legacy message sets get the stored batches down-converted
 * (FetchService): magic 0 messages for v0-1, magic 1 for v2-3, uncompressed, headers
 * dropped, control batches skipped; a topic with message.downconversion.enable=false
 * answers UNSUPPORTED_VERSION.
 * Quotas (QuotaEnforcement), as Kafka applies them: a client with a consumer_byte_rate gets
 * at most what its quota allows in one window (max_bytes capped, min_bytes with it); the
 * response's record bytes count for consumer_byte_rate and the handling time (parked time
 * excluded) for request_percentage; over either, the answer is an empty response (no
 * topics, the bytes not counted, nothing consumed) with throttle_time_ms, and the connection
 * is muted for it. One difference: an answer larger than the quota allows in a whole window
 * (a single batch over it: KIP-74 returns the first batch whole) is sent, throttled, where
 * Kafka would answer empty again and again and the consumer would never get past it.
 * v4+: isolation_level: read_committed (1) reads stop at the last stable offset, and each
 * partition lists the aborted transactions overlapping the batches returned (the consumer
 * drops their records); read_uncommitted (0) sees everything up to the high watermark,
 * aborted records included, with a null list; last_stable_offset is always answered;
 * v5+: log_start_offset; v7+: fetch sessions are declined (session id 0, KIP-227 allows it):
 * a full fetch is served whatever its session id, an incremental one (session epoch other
 * than 0 and -1) is FETCH_SESSION_ID_NOT_FOUND; v9+: current leader epoch checked (one
 * newer than ours, 0, is UNKNOWN_LEADER_EPOCH: fetch/leader-epoch.ts); v11+:
 * preferred_read_replica -1; v12: flexible, last fetched epoch checked (a diverging epoch
 * comes back instead of records); v13+: topics by id, UNKNOWN_TOPIC_ID on every partition of
 * an id no topic has (a deleted topic, or one created again under the same name); v14+:
 * OFFSET_MOVED_TO_TIERED_STORAGE is possible (no tiered storage: never); v15+: the replica id
 * moves into replica_state; v16+: node endpoints of the leaders named in NOT_LEADER_OR_FOLLOWER
 * and FENCED_LEADER_EPOCH answers to consumers (neither happens here: always empty); v17:
 * the follower's directory id (followers are refused).
 * On the hot path: called straight from the transport, which keeps the stored batches'
 * pooled memory pinned until the response is flushed (kafka-api.decorator.ts, HotPath).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { FetchService, type FetchAdmission, type FetchAnswerBuilder, type PartitionFetchRequest, type PartitionFetched } from '../../fetch/fetch.service.js';
import type { QuotaClient } from '../../quotas/client-quotas.service.js';
import type { LegacyMagic } from '../../record-format/legacy-message.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  FetchApi,
  type FetchRequest,
  type FetchResponse,
  type FetchResponseFetchableTopicResponse,
  type FetchResponsePartitionData,
} from '../../wire/messages/01-fetch.js';
import { QuotaEnforcement } from '../quota-enforcement.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { sessionOf } from '../transport/kafka-session.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';

const FIRST_TOPIC_ID_VERSION = 13;
const FIRST_REPLICA_STATE_VERSION = 15;
/** Session epochs of a full fetch (Kafka's FetchMetadata INITIAL_EPOCH and FINAL_EPOCH); any other is incremental. */
const FULL_FETCH_EPOCHS = new Set([0, -1]);
const CONSUMER_REPLICA_ID = -1;
/** Fetch and ListOffsets isolation_level values (Kafka's IsolationLevel). */
export const READ_COMMITTED = 1;

@Controller()
export class FetchHandler {
  constructor(
    private readonly fetcher: FetchService,
    private readonly enforcement: QuotaEnforcement,
    private readonly authorizer: Authorizer,
    private readonly topics: TopicsService,
  ) {}

  /** The answer itself when the fetch is answered from the memory tier without waiting; a promise when it parks or reads the cold tier. */
  @KafkaApi(FetchApi, { min: 0, max: 17, hotPath: { pinsStoredBatches: true } })
  fetch(request: KafkaRequest<FetchRequest>): FetchResponse | Promise<FetchResponse> {
    const { header, body, memoryPin } = request;
    const startedAt = performance.now();
    if (!FULL_FETCH_EPOCHS.has(body.sessionEpoch)) {
      const throttleTimeMs = this.enforcement.apply(request, { request: this.enforcement.handlingTime(request, performance.now() - startedAt) });
      return { throttleTimeMs, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const replicaId = header.apiVersion >= FIRST_REPLICA_STATE_VERSION ? (body.replicaState?.replicaId ?? CONSUMER_REPLICA_ID) : body.replicaId;
    if (replicaId >= 0) return answerAll(body, refused(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    const byId = header.apiVersion >= FIRST_TOPIC_ID_VERSION;
    const readable = this.readableTopics(request, byId);
    const quota = new FetchQuotaGate(this.enforcement, request, startedAt, readable);
    const maxBytes = Math.min(body.maxBytes, quota.windowBytes);
    const topics = body.topics;
    let count = 0;
    for (let t = 0; t < topics.length; t++) if (readable[t]) count += topics[t].partitions.length;
    const partitions = new Array<PartitionFetchRequest>(count);
    let next = 0;
    for (let t = 0; t < topics.length; t++) {
      if (!readable[t]) continue;
      const topic = byId ? { id: topics[t].topicId } : topics[t].topic;
      const requested = topics[t].partitions;
      for (let i = 0; i < requested.length; i++) {
        const p = requested[i];
        partitions[next++] = {
          topic,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          lastFetchedEpoch: p.lastFetchedEpoch,
        };
      }
    }
    return this.fetcher.fetch({
      partitions,
      maxBytes,
      minBytes: Math.min(body.minBytes, maxBytes),
      maxWaitMs: body.maxWaitMs,
      firstBatchWhole: true,
      consuming: true,
      memoryPin,
      messageFormat: legacyMagicFor(header.apiVersion),
      readCommitted: body.isolationLevel === READ_COMMITTED,
      admission: quota,
      answer: quota,
    });
  }

  private nameOf(topicId: string): string | null {
    const topic = this.topics.findById(topicId);
    return isRefusal(topic) ? null : topic.name;
  }

  /**
   * Whether the caller may Read each requested topic, by its index. A topic id no topic has
   * counts as readable, so that the fetch answers UNKNOWN_TOPIC_ID as without an authorizer.
   */
  private readableTopics(request: KafkaRequest<FetchRequest>, byId: boolean): boolean[] {
    const session = sessionOf(request);
    const topics = request.body.topics;
    const readable = new Array<boolean>(topics.length);
    for (let t = 0; t < topics.length; t++) {
      const name = byId ? this.nameOf(topics[t].topicId) : topics[t].topic;
      readable[t] = name === null || this.authorizer.authorize(session, AclOperation.READ, ResourceType.TOPIC, name);
    }
    return readable;
  }
}

/**
 * The fetch's quotas: its byte allowance (`windowBytes`), and the check of its answer, which
 * applies the throttle (`admit`, asked by the FetchService once the answer is collected); then
 * the response made from what was fetched (`build`, by the FetchService too: no `then` here
 * when the fetch parks).
 */
class FetchQuotaGate implements FetchAdmission, FetchAnswerBuilder<FetchResponse> {
  readonly windowBytes: number;
  throttleTimeMs = 0;
  admitted = true;
  private readonly client: QuotaClient;

  constructor(
    private readonly enforcement: QuotaEnforcement,
    private readonly request: KafkaRequest<FetchRequest>,
    private readonly startedAt: number,
    /** Whether the caller may read each requested topic, by its index (FetchHandler.readableTopics). */
    private readonly readable: readonly boolean[],
  ) {
    this.client = enforcement.client(request);
    this.windowBytes = enforcement.quotas.maxBytesInWindow('fetch', this.client);
  }

  admit(bytes: number, parkedMs: number): boolean {
    const { enforcement, client } = this;
    const fetch = enforcement.quotas.record('fetch', client, bytes);
    const handling = enforcement.handlingTime(this.request, performance.now() - this.startedAt - parkedMs);
    this.throttleTimeMs = fetch <= 0 && handling <= 0 ? 0 : enforcement.apply(this.request, { fetch, request: handling });
    this.admitted = this.throttleTimeMs === 0 || bytes > this.windowBytes;
    if (!this.admitted) enforcement.quotas.unrecord('fetch', client, bytes);
    return this.admitted;
  }

  build(fetched: PartitionFetched[]): FetchResponse {
    return respond(this.request.body, this.readable, this, fetched);
  }
}

/** Fetch v0-1 read magic 0 messages, v2-3 magic 1 (Kafka 0.10); v4+ record batches. */
function legacyMagicFor(version: number): LegacyMagic | undefined {
  if (version <= 1) return 0;
  return version <= 3 ? 1 : undefined;
}

/** Shared by every answer (no leader moved; the encoder only reads it). */
const NO_NODE_ENDPOINTS = Object.freeze([]) as unknown as FetchResponse['nodeEndpoints'];

/** The response once fetched: empty when the quota refused it, else each readable topic's partitions answered in request order, the others refused. */
function respond(body: FetchRequest, readable: readonly boolean[], quota: FetchQuotaGate, fetched: readonly PartitionFetched[]): FetchResponse {
  if (!quota.admitted) return { throttleTimeMs: quota.throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses: [], nodeEndpoints: NO_NODE_ENDPOINTS };
  const topics = body.topics;
  const responses = new Array<FetchResponseFetchableTopicResponse>(topics.length);
  let next = 0;
  for (let t = 0; t < topics.length; t++) {
    const { topic, topicId, partitions: requested } = topics[t];
    const partitions = new Array<FetchResponsePartitionData>(requested.length);
    for (let p = 0; p < requested.length; p++) {
      const index = requested[p].partition;
      partitions[p] = readable[t] ? partitionData(index, fetched[next++]) : { partitionIndex: index, ...refused(ErrorCode.TOPIC_AUTHORIZATION_FAILED) };
    }
    responses[t] = { topic, topicId, partitions };
  }
  return { throttleTimeMs: quota.throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: NO_NODE_ENDPOINTS };
}

/** Every partition of the request answered alike. */
function answerAll(body: FetchRequest, partitionAnswer: Omit<FetchResponsePartitionData, 'partitionIndex'>): FetchResponse {
  const responses = body.topics.map((topic) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions.map((p) => ({ partitionIndex: p.partition, ...partitionAnswer })),
  }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

function partitionData(partitionIndex: number, fetched: PartitionFetched): FetchResponsePartitionData {
  const { errorCode, highWatermark, lastStableOffset, logStartOffset, abortedTransactions, records, divergingEpoch } = fetched;
  if (errorCode !== ErrorCode.NONE) return { partitionIndex, errorCode, highWatermark, lastStableOffset, logStartOffset, abortedTransactions: null, records: null };
  return { partitionIndex, errorCode, highWatermark, lastStableOffset, logStartOffset, divergingEpoch, abortedTransactions, preferredReadReplica: -1, records };
}

function refused(errorCode: number): Omit<FetchResponsePartitionData, 'partitionIndex'> {
  return { errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: null };
}
