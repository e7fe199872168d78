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
 * Batches offloaded to the WAL are read back from disk (at most COLD_READ_BYTES_MAX per
 * partition and fetch, whole batches); the response still carries them as Buffer chunks.
 * With purge_on_fetch, the batches a response carries whole are removed once it is built
 * (RetentionService.fetched).
 */
import { Controller } from '@nestjs/common';
import { RetentionService } from '../../retention/retention.service.js';
import type { PartitionLog, ReadResult } from '../../storage/partition-log.js';
import { TopicRegistry } from '../../storage/topic-registry.js';
import { FetchParking } from '../../fetch/fetch-parking.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  FetchApi,
  type FetchRequest,
  type FetchRequestFetchPartition,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '../../wire/messages/01-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

interface Collected {
  readonly response: FetchResponse;
  readonly bytes: number;
  readonly hasError: boolean;
  readonly logs: PartitionLog[];
  /** Partitions that returned batches, with the offset after the last one (for purge_on_fetch). */
  readonly returned: Array<{ log: PartitionLog; nextOffset: number }>;
}

interface PartitionAnswer {
  readonly partition: FetchResponsePartitionData;
  readonly bytes: number;
  readonly errorCode: number;
  readonly log?: PartitionLog;
  readonly nextOffset?: number;
}

@Controller()
export class FetchController {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly parking: FetchParking,
    private readonly retention: RetentionService,
  ) {}

  @KafkaApi(FetchApi, { min: 0, max: 12 })
  async fetch({ body }: KafkaRequest<FetchRequest>): Promise<FetchResponse> {
    if (body.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const collected = this.collect(body);
    const first = collected instanceof Promise ? await collected : collected;
    const satisfied = first.bytes >= body.minBytes || first.hasError || body.maxWaitMs <= 0 || first.logs.length === 0;
    if (satisfied) return this.returning(first);
    await this.parking.park(first.logs, body.minBytes - first.bytes, body.maxWaitMs);
    return this.returning(await this.collect(body));
  }

  private returning(collected: Collected): FetchResponse {
    for (const { log, nextOffset } of collected.returned) this.retention.fetched(log, nextOffset);
    return collected.response;
  }

  /** Reads every partition asked for; synchronous unless some partition is read from disk. */
  private collect(body: FetchRequest): Collected | Promise<Collected> {
    let budget = body.maxBytes;
    let bytes = 0;
    let fromDisk = false;
    const logs: PartitionLog[] = [];
    const answers = body.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((request): PartitionAnswer | Promise<PartitionAnswer> => {
        const log = this.topics.partition(topic.topic, request.partition);
        if (log !== undefined) logs.push(log);
        const answer = this.readPartition(log, request, budget, bytes === 0);
        if (answer instanceof Promise) {
          // A disk read is sized before it returns: reserve the partition's share of the budget.
          fromDisk = true;
          const reserved = Math.min(request.partitionMaxBytes, budget);
          bytes += reserved;
          budget = Math.max(0, budget - reserved);
          return answer;
        }
        bytes += answer.bytes;
        budget = Math.max(0, budget - answer.bytes);
        return answer;
      }),
    }));
    if (!fromDisk) return this.assemble(answers as Array<{ topic: string; partitions: PartitionAnswer[] }>, logs);
    return Promise.all(answers.map(async (t) => ({ topic: t.topic, partitions: await Promise.all(t.partitions) }))).then((resolved) =>
      this.assemble(resolved, logs),
    );
  }

  private assemble(answers: Array<{ topic: string; partitions: PartitionAnswer[] }>, logs: PartitionLog[]): Collected {
    let bytes = 0;
    let hasError = false;
    const returned: Collected['returned'] = [];
    const responses = answers.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((answer) => {
        bytes += answer.bytes;
        hasError ||= answer.errorCode !== ErrorCode.NONE;
        if (answer.log !== undefined && answer.nextOffset !== undefined && answer.bytes > 0) returned.push({ log: answer.log, nextOffset: answer.nextOffset });
        return answer.partition;
      }),
    }));
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses }, bytes, hasError, logs, returned };
  }

  private readPartition(
    log: PartitionLog | undefined,
    request: FetchRequestFetchPartition,
    budget: number,
    firstWithData: boolean,
  ): PartitionAnswer | Promise<PartitionAnswer> {
    const partitionIndex = request.partition;
    if (log === undefined) {
      return this.failed(partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
    }
    if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.highWatermark) {
      return this.failed(partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE, log.highWatermark, log.logStartOffset);
    }
    const read = log.read(request.fetchOffset, Math.min(request.partitionMaxBytes, budget), firstWithData);
    if (read instanceof Promise) return read.then((result) => this.answer(log, partitionIndex, result));
    return this.answer(log, partitionIndex, read);
  }

  private answer(log: PartitionLog, partitionIndex: number, { chunks, bytes, nextOffset }: ReadResult): PartitionAnswer {
    return {
      bytes,
      errorCode: ErrorCode.NONE,
      log,
      nextOffset,
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

  private failed(partitionIndex: number, errorCode: number, highWatermark: number, logStartOffset: number): PartitionAnswer {
    return {
      bytes: 0,
      errorCode,
      partition: { partitionIndex, errorCode, highWatermark, lastStableOffset: highWatermark, logStartOffset, records: null },
    };
  }
}
