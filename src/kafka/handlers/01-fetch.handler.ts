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
 * A fetch from a follower replica (replica id >= 0) is NOT_LEADER_OR_FOLLOWER on every
 * partition: a single node has no followers.
 * v0-3: clients that read only legacy message sets get the stored batches down-converted
 * (FetchService): magic 0 messages for v0-1, magic 1 for v2-3, uncompressed, headers
 * dropped, control batches skipped; a topic with message.downconversion.enable=false
 * answers UNSUPPORTED_VERSION.
 * v4+: last_stable_offset (= high watermark: no transactions), aborted_transactions (empty);
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
 */
import { Controller } from '@nestjs/common';
import { FetchService, type PartitionFetched } from '../../fetch/fetch.service.js';
import type { LegacyMagic } from '../../record-format/legacy-message.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { FetchApi, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from '../../wire/messages/01-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const FIRST_TOPIC_ID_VERSION = 13;
const FIRST_REPLICA_STATE_VERSION = 15;
/** Session epochs of a full fetch (Kafka's FetchMetadata INITIAL_EPOCH and FINAL_EPOCH); any other is incremental. */
const FULL_FETCH_EPOCHS = new Set([0, -1]);
const CONSUMER_REPLICA_ID = -1;

@Controller()
export class FetchHandler {
  constructor(private readonly fetcher: FetchService) {}

  @KafkaApi(FetchApi, { min: 0, max: 17 })
  async fetch({ header, body }: KafkaRequest<FetchRequest>): Promise<FetchResponse> {
    if (!FULL_FETCH_EPOCHS.has(body.sessionEpoch)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const replicaId = header.apiVersion >= FIRST_REPLICA_STATE_VERSION ? (body.replicaState?.replicaId ?? CONSUMER_REPLICA_ID) : body.replicaId;
    if (replicaId >= 0) return answer(body, () => refused(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    const byId = header.apiVersion >= FIRST_TOPIC_ID_VERSION;
    const fetched = await this.fetcher.fetch({
      partitions: body.topics.flatMap((topic) =>
        topic.partitions.map((p) => ({
          topic: byId ? { id: topic.topicId } : topic.topic,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          lastFetchedEpoch: p.lastFetchedEpoch,
        })),
      ),
      maxBytes: body.maxBytes,
      minBytes: body.minBytes,
      maxWaitMs: body.maxWaitMs,
      firstBatchWhole: true,
      consuming: true,
      messageFormat: legacyMagicFor(header.apiVersion),
    });
    return answer(body, (position) => partitionData(fetched[position]!));
  }
}

/** Fetch v0-1 read magic 0 messages, v2-3 magic 1 (Kafka 0.10); v4+ record batches. */
function legacyMagicFor(version: number): LegacyMagic | undefined {
  if (version <= 1) return 0;
  return version <= 3 ? 1 : undefined;
}

/** The response's topics (by name and id: each version writes the one it has) and partitions in request order. */
function answer(body: FetchRequest, partitionAnswer: (position: number) => Omit<FetchResponsePartitionData, 'partitionIndex'>): FetchResponse {
  let position = 0;
  const responses = body.topics.map((topic) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions.map((p) => ({ partitionIndex: p.partition, ...partitionAnswer(position++) })),
  }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

function partitionData(fetched: PartitionFetched): Omit<FetchResponsePartitionData, 'partitionIndex'> {
  const { errorCode, highWatermark, logStartOffset, records, divergingEpoch } = fetched;
  if (errorCode !== ErrorCode.NONE) return { errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, records: null };
  return { errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, divergingEpoch, abortedTransactions: [], preferredReadReplica: -1, records };
}

function refused(errorCode: number): Omit<FetchResponsePartitionData, 'partitionIndex'> {
  return { errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null };
}
