/**
 * Fetch (key 1), versions 0-12.
 * Serves the stored batches byte for byte (whole batches, from the one holding
 * fetch_offset; the client skips records below it), written with vectored writes.
 * Answers at once when min_bytes is reached, on any partition error, or when max_wait_ms
 * is 0; otherwise parks until an append brings enough bytes or max_wait_ms passes.
 * Limits: partition_max_bytes per partition and max_bytes (v3+) per response, except that
 * the first batch found is always returned whole (KIP-74), so consumers make progress.
 * v4+: last_stable_offset (= high watermark: no transactions), aborted_transactions (empty);
 * v5+: log_start_offset; v7+: fetch sessions are declined (session id 0, KIP-227 allows it)
 * and an unknown session id is FETCH_SESSION_ID_NOT_FOUND; v11+: preferred_read_replica -1.
 * v0-3 clients receive magic-2 batches: Blink does not down-convert to legacy formats.
 */
import { Controller } from '@nestjs/common';
import type { PartitionLog } from '../../storage/partition-log.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { FetchParking } from '../fetch/fetch-parking.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  FetchApi,
  type FetchRequest,
  type FetchRequestFetchPartition,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '../protocol/messages/01-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

interface Collected {
  readonly response: FetchResponse;
  readonly bytes: number;
  readonly hasError: boolean;
  readonly logs: PartitionLog[];
}

@Controller()
export class FetchController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly parking: FetchParking,
  ) {}

  @KafkaApi(FetchApi, { min: 0, max: 12 })
  async fetch({ body }: KafkaRequest<FetchRequest>): Promise<FetchResponse> {
    if (body.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const first = this.collect(body);
    const satisfied = first.bytes >= body.minBytes || first.hasError || body.maxWaitMs <= 0 || first.logs.length === 0;
    if (satisfied) return first.response;
    await this.parking.park(first.logs, body.minBytes - first.bytes, body.maxWaitMs);
    return this.collect(body).response;
  }

  private collect(body: FetchRequest): Collected {
    let budget = body.maxBytes;
    let bytes = 0;
    let hasError = false;
    const logs: PartitionLog[] = [];
    const responses = body.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((request) => {
        const log = this.topics.partition(topic.topic, request.partition);
        if (log !== undefined) logs.push(log);
        const data = this.readPartition(log, request, budget, bytes === 0);
        hasError ||= data.errorCode !== ErrorCode.NONE;
        bytes += data.bytes;
        budget = Math.max(0, budget - data.bytes);
        return data.partition;
      }),
    }));
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses }, bytes, hasError, logs };
  }

  private readPartition(
    log: PartitionLog | undefined,
    request: FetchRequestFetchPartition,
    budget: number,
    firstWithData: boolean,
  ): { partition: FetchResponsePartitionData; bytes: number; errorCode: number } {
    const partitionIndex = request.partition;
    if (log === undefined) {
      return this.failed(partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
    }
    if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.highWatermark) {
      return this.failed(partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE, log.highWatermark, log.logStartOffset);
    }
    const { chunks, bytes } = log.read(request.fetchOffset, Math.min(request.partitionMaxBytes, budget), firstWithData);
    return {
      bytes,
      errorCode: ErrorCode.NONE,
      partition: {
        partitionIndex,
        errorCode: ErrorCode.NONE,
        highWatermark: log.highWatermark,
        lastStableOffset: log.highWatermark,
        logStartOffset: log.logStartOffset,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records: chunks,
      },
    };
  }

  private failed(partitionIndex: number, errorCode: number, highWatermark: number, logStartOffset: number) {
    return {
      bytes: 0,
      errorCode,
      partition: { partitionIndex, errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, records: null },
    };
  }
}
