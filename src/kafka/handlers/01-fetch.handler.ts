/**
 * Fetch (key 1), versions 0-12.
 * Serves the stored batches byte for byte through the FetchService (whole batches, from the
 * one holding fetch_offset; the client skips records below it), written with vectored
 * writes. Answers at once when min_bytes is reached, on any partition error, or when
 * max_wait_ms is 0; otherwise parks until an append brings enough bytes or max_wait_ms
 * passes. Limits: partition_max_bytes per partition and max_bytes (v3+; before v3 no limit
 * per response) except that the first batch found is always returned whole (KIP-74), so
 * consumers make progress. Batches offloaded to the WAL are read back from disk (at most
 * COLD_READ_BYTES_MAX per partition and fetch). With purge_on_fetch, the batches a
 * response carries whole are removed once it is built.
 * v0-3: clients that read only legacy message sets get the stored batches down-converted
 * (FetchService): magic 0 messages for v0-1, magic 1 for v2-3, uncompressed, headers
 * dropped, control batches skipped; a topic with message.downconversion.enable=false
 * answers UNSUPPORTED_VERSION.
 * v4+: last_stable_offset (= high watermark: no transactions), aborted_transactions (empty);
 * v5+: log_start_offset; v7+: fetch sessions are declined (session id 0, KIP-227 allows it)
 * and an unknown session id is FETCH_SESSION_ID_NOT_FOUND; v11+: preferred_read_replica -1;
 * v12: flexible.
 */
import { Controller } from '@nestjs/common';
import { FetchService, type PartitionFetched } from '../../fetch/fetch.service.js';
import type { LegacyMagic } from '../../record-format/legacy-message.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { FetchApi, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from '../../wire/messages/01-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class FetchHandler {
  constructor(private readonly fetcher: FetchService) {}

  @KafkaApi(FetchApi, { min: 0, max: 12 })
  async fetch({ header, body }: KafkaRequest<FetchRequest>): Promise<FetchResponse> {
    if (body.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const fetched = await this.fetcher.fetch({
      partitions: body.topics.flatMap((topic) =>
        topic.partitions.map((p) => ({ topic: topic.topic, partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes })),
      ),
      maxBytes: body.maxBytes,
      minBytes: body.minBytes,
      maxWaitMs: body.maxWaitMs,
      firstBatchWhole: true,
      consuming: true,
      messageFormat: legacyMagicFor(header.apiVersion),
    });
    let position = 0;
    const responses = body.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((p) => partitionData(p.partition, fetched[position++])),
    }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  }
}

/** Fetch v0-1 read magic 0 messages, v2-3 magic 1 (Kafka 0.10); v4+ record batches. */
function legacyMagicFor(version: number): LegacyMagic | undefined {
  if (version <= 1) return 0;
  return version <= 3 ? 1 : undefined;
}

function partitionData(partitionIndex: number, fetched: PartitionFetched): FetchResponsePartitionData {
  const { errorCode, highWatermark, logStartOffset, records } = fetched;
  if (errorCode !== ErrorCode.NONE) return { partitionIndex, errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, records: null };
  return { partitionIndex, errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, abortedTransactions: [], preferredReadReplica: -1, records };
}
