/**
 * REST fetch: the records of one partition from an offset, decoded to JSON. Reads whole
 * batches through the FetchService, as a Kafka Fetch does (the memory tier or the WAL),
 * skips records below the offset asked for, and stops at `limit` records or READ_BYTES_MAX
 * bytes of batches (the first batch comes whole even when larger). It never waits for data
 * (min_bytes 0) and, being an inspection rather than a consumer, does not count for
 * purge_on_fetch. It starts at `offset`, or at the first record at or after `timestamp` (the
 * ListOffsets rule, both tiers), or at the log start. An unknown topic is 404, a missing
 * partition, an offset out of range, or both offset and timestamp 400.
 */
import { BadRequestException, Injectable } from '@nestjs/common';
import { FetchService, type PartitionFetched } from '../../fetch/fetch.service.js';
import type { MemoryPin } from '../../storage/batch-memory.js';
import { MemoryAccountant } from '../../storage/memory-accountant.js';
import { offsetForTimestamp } from '../../storage/timestamp-index.js';
import { TopicsService } from '../../topics/topics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import type { Encoding } from '../dto/common.dto.js';
import { FETCH_LIMIT_DEFAULT, type RecordDto, type RecordsAnswerDto } from '../dto/records.dto.js';
import { orThrow, refusalException } from '../http/refusals.js';
import { formatRecord, storedRecords } from './record-codec.js';

/** Bytes of stored batches one REST fetch reads at most (it always gets at least one batch). */
export const READ_BYTES_MAX = 4 * 1024 * 1024;

export interface ReadRequest {
  readonly offset?: number;
  readonly timestamp?: number;
  readonly limit?: number;
  readonly encoding?: Encoding;
}

@Injectable()
export class RecordReader {
  constructor(
    private readonly topics: TopicsService,
    private readonly fetcher: FetchService,
    private readonly accountant: MemoryAccountant,
  ) {}

  /** The stored batches read are views of pooled memory: held by a pin until their records are decoded. */
  async read(topic: string, partition: number, request: ReadRequest): Promise<RecordsAnswerDto> {
    const pin = this.accountant.memory.pin();
    try {
      return await this.readPinned(topic, partition, request, pin);
    } finally {
      pin.release();
    }
  }

  private async readPinned(topic: string, partition: number, request: ReadRequest, pin: MemoryPin): Promise<RecordsAnswerDto> {
    const start = await this.startOffset(topic, partition, request);
    const limit = request.limit ?? FETCH_LIMIT_DEFAULT;
    const encoding = request.encoding ?? 'utf8';
    const first = await this.readFrom(topic, partition, start, READ_BYTES_MAX, true, pin);
    if (first.errorCode !== ErrorCode.NONE) throw refusalException({ ...first, errorMessage: first.errorMessage ?? `Kafka error ${first.errorCode}` });
    const records: RecordDto[] = [];
    let budget = READ_BYTES_MAX;
    let nextOffset = start;
    let fetched = first;
    // One read stops at the end of a WAL segment or of the disk tier: read on until the limit, the budget or the end.
    while (fetched.bytes > 0 && fetched.nextOffset > nextOffset) {
      budget -= fetched.bytes;
      await this.decode(fetched.records ?? [], nextOffset, limit, encoding, records);
      nextOffset = records.length >= limit ? records[records.length - 1].offset + 1 : fetched.nextOffset;
      if (records.length >= limit || nextOffset >= fetched.highWatermark || budget <= 0) break;
      const next = await this.readFrom(topic, partition, nextOffset, budget, false, pin);
      if (next.errorCode !== ErrorCode.NONE) break;
      fetched = next;
    }
    return { topic, partition, logStartOffset: fetched.logStartOffset, highWatermark: fetched.highWatermark, nextOffset, records };
  }

  private async startOffset(topic: string, partition: number, request: ReadRequest): Promise<number> {
    if (request.offset !== undefined && request.timestamp !== undefined) throw new BadRequestException('give offset or timestamp, not both');
    if (request.offset !== undefined) return request.offset;
    const log = orThrow(this.topics.findPartition(topic, partition));
    if (request.timestamp === undefined) return log.logStartOffset;
    const found = await offsetForTimestamp(log, request.timestamp);
    return found.offset < 0 ? log.highWatermark : found.offset;
  }

  /** Appends the records of `batches` from `fromOffset` on to `into`, up to `limit` records in all. */
  private async decode(batches: readonly Buffer[], fromOffset: number, limit: number, encoding: Encoding, into: RecordDto[]): Promise<void> {
    for (const batch of batches) {
      for (const record of await storedRecords(batch)) {
        if (record.offset < fromOffset || into.length >= limit) continue;
        into.push(formatRecord(record, encoding));
      }
    }
  }

  private async readFrom(topic: string, partition: number, fetchOffset: number, maxBytes: number, firstBatchWhole: boolean, memoryPin: MemoryPin): Promise<PartitionFetched> {
    const [fetched] = await this.fetcher.fetch({
      partitions: [{ topic, partition, fetchOffset, partitionMaxBytes: maxBytes }],
      maxBytes,
      minBytes: 0,
      maxWaitMs: 0,
      firstBatchWhole,
      consuming: false,
      memoryPin,
    });
    return fetched;
  }
}
