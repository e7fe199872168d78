/**
 * REST fetch: the records of one partition from an offset, decoded to JSON. Reads whole
 * batches from the memory tier or the WAL (PartitionLog.read, as a Kafka Fetch does),
 * skips records below the offset asked for, and stops at `limit` records or
 * READ_BYTES_MAX bytes of batches. A REST fetch is a read: it does not count as a
 * consumption for purge_on_fetch.
 */
import { BadRequestException, Injectable } from '@nestjs/common';
import { TopicRegistry } from '../../storage/topic-registry.js';
import type { Encoding } from '../dto/common.dto.js';
import { FETCH_LIMIT_DEFAULT, type RecordDto, type RecordsAnswerDto } from '../dto/records.dto.js';
import { requirePartition, requireTopic } from './lookups.js';
import { formatRecord, storedRecords } from './record-codec.js';

/** Bytes of stored batches one REST fetch reads at most (it always gets at least one batch). */
export const READ_BYTES_MAX = 4 * 1024 * 1024;

export interface ReadRequest {
  readonly offset?: number;
  readonly limit?: number;
  readonly encoding?: Encoding;
}

@Injectable()
export class RecordReader {
  constructor(private readonly topics: TopicRegistry) {}

  async read(topicName: string, partition: number, request: ReadRequest): Promise<RecordsAnswerDto> {
    const log = requirePartition(requireTopic(this.topics, topicName), partition);
    const start = request.offset ?? log.logStartOffset;
    if (start < log.logStartOffset || start > log.highWatermark) {
      throw new BadRequestException(`offset ${start} is out of range: ${topicName}-${partition} holds offsets ${log.logStartOffset} to ${log.highWatermark - 1} (high watermark ${log.highWatermark})`);
    }
    const limit = request.limit ?? FETCH_LIMIT_DEFAULT;
    const encoding = request.encoding ?? 'utf8';
    const records: RecordDto[] = [];
    let nextOffset = start;
    let budget = READ_BYTES_MAX;
    while (records.length < limit && nextOffset < log.highWatermark && budget > 0) {
      const read = await log.read(nextOffset, budget, records.length === 0);
      if (read.chunks.length === 0 || read.nextOffset <= nextOffset) break;
      budget -= read.bytes;
      for (const chunk of read.chunks) {
        for (const record of await storedRecords(chunk)) {
          if (record.offset < nextOffset || records.length >= limit) continue;
          records.push(formatRecord(record, encoding));
        }
      }
      nextOffset = records.length >= limit ? records[records.length - 1].offset + 1 : read.nextOffset;
    }
    return { topic: topicName, partition, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark, nextOffset, records };
  }
}
