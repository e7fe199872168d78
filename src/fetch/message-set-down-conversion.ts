/**
 * Fetch v0-3 (the Kafka face says which requests): clients that read only legacy message
 * sets get the stored record batches down-converted (record-format/legacy-down-conversion.ts:
 * magic 0 for Fetch v0-1, magic 1 for v2-3, uncompressed, control batches skipped, headers
 * dropped), as Kafka 3.9 does for them. What a read returns keeps the fetch's rules in
 * converted bytes: whole messages from the fetch offset on, within the byte limit, the first
 * message even beyond it when the fetch asks for that (KIP-74: a consumer makes progress).
 *
 * Bounds: a read converts only the stored batches one ordinary read returns (the byte limit
 * applies to stored bytes first, then to converted ones); a batch's records decompress to at
 * most CONVERSION_DECOMPRESSED_BYTES_MAX; converted batches are cached in at most
 * CONVERSION_CACHE_BYTES_MAX (conversion-cache.ts). When the stored batches read convert to
 * no message at all (transaction markers only), the read goes on past them, at most
 * SKIP_READS_MAX times, so an old consumer is not stuck in front of a marker.
 * A topic with message.downconversion.enable=false answers UNSUPPORTED_VERSION (Kafka's
 * switch); a batch that cannot be converted answers UNKNOWN_SERVER_ERROR with the reason.
 */
import { Injectable } from '@nestjs/common';
import { downConvertBatch, selectMessages, type ConvertedBatch } from '../record-format/legacy-down-conversion.js';
import { CONVERSION_DECOMPRESSED_BYTES_MAX, type LegacyMagic } from '../record-format/legacy-message.js';
import { RecordBatchView } from '../record-format/record-batch.js';
import type { MemoryPin } from '../storage/batch-memory.js';
import type { PartitionLog, ReadResult } from '../storage/partition-log.js';
import { isRefusal, refusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import { ErrorCode } from '../wire/error-codes.js';
import { ConversionCache } from './conversion-cache.js';
import { FetchProbe } from './fetch.probe.js';

/** Memory for converted batches kept for the next old consumer. */
export const CONVERSION_CACHE_BYTES_MAX = 32 * 1024 * 1024;
/** Reads past stored batches that convert to nothing (transaction markers) before answering empty. */
const SKIP_READS_MAX = 8;

/** One partition read for an old fetcher, as FetchService asks for it. */
interface LegacyRead {
  readonly log: PartitionLog;
  readonly magic: LegacyMagic;
  /** The fetch offset: messages below it are left out. */
  readonly offset: number;
  readonly maxBytes: number;
  readonly includeOversizedFirst: boolean;
}

/** What one partition read gathers: converted message views and where the next read starts. */
interface Gathered {
  readonly chunks: Buffer[];
  bytes: number;
  messages: number;
  nextOffset: number;
  /** Messages were left out for the byte limit: the read is over. */
  full: boolean;
}

@Injectable()
export class MessageSetDownConversion {
  private readonly cache = new ConversionCache(CONVERSION_CACHE_BYTES_MAX);

  constructor(
    private readonly topics: TopicsService,
    private readonly probe: FetchProbe,
  ) {}

  /** Like PartitionLog.read, in `magic` messages; a refusal when the topic forbids down-conversion or a batch cannot be converted. */
  async read(log: PartitionLog, magic: LegacyMagic, offset: number, maxBytes: number, includeOversizedFirst: boolean, pin?: MemoryPin): Promise<ReadResult | Refusal> {
    const forbidden = this.forbidden(log.topic);
    if (forbidden !== null) return forbidden;
    const request: LegacyRead = { log, magic, offset, maxBytes, includeOversizedFirst };
    const gathered: Gathered = { chunks: [], bytes: 0, messages: 0, nextOffset: offset, full: false };
    let from = offset;
    for (let reads = 0; reads <= SKIP_READS_MAX && gathered.bytes === 0 && !gathered.full && from < log.highWatermark; reads++) {
      // Converted across awaits: the stored batches are held by the fetch's pin meanwhile.
      const stored = await log.read(from, maxBytes, includeOversizedFirst, Infinity, pin);
      if (stored.chunks.length === 0) break;
      try {
        await this.gather(request, stored.chunks, gathered);
      } catch (error) {
        return refusal(ErrorCode.UNKNOWN_SERVER_ERROR, `cannot down-convert ${log.topic}-${log.partition} from offset ${from} for a Fetch v0-3 client: ${(error as Error).message}`);
      }
      from = stored.nextOffset;
    }
    this.probe.messagesDownConverted(gathered.messages);
    return { chunks: gathered.chunks, bytes: gathered.bytes, nextOffset: gathered.nextOffset };
  }

  /** UNSUPPORTED_VERSION when the topic sets message.downconversion.enable=false. */
  private forbidden(topicName: string): Refusal | null {
    const topic = this.topics.find(topicName);
    if (isRefusal(topic) || topic.configs.get('message.downconversion.enable')?.trim().toLowerCase() !== 'false') return null;
    return refusal(ErrorCode.UNSUPPORTED_VERSION, `topic ${topicName} sets message.downconversion.enable=false: Fetch v0-3 clients cannot read it, use Fetch v4+`);
  }

  /** Adds the messages of `batches` the read can take to `into`; stops at the byte limit. */
  private async gather(request: LegacyRead, batches: readonly Buffer[], into: Gathered): Promise<void> {
    for (const batch of batches) {
      const converted = await this.converted(request.log, batch, request.magic);
      const taken = selectMessages(converted, request.offset, request.maxBytes - into.bytes, request.includeOversizedFirst && into.bytes === 0);
      if (taken.count > 0) {
        into.chunks.push(taken.bytes);
        into.bytes += taken.bytes.length;
        into.nextOffset = taken.nextOffset;
        into.messages += taken.count;
      }
      if (taken.truncated) {
        into.full = true;
        return;
      }
    }
  }

  private async converted(log: PartitionLog, batch: Buffer, magic: LegacyMagic): Promise<ConvertedBatch> {
    const view = new RecordBatchView(batch);
    const key = { topic: log.topic, partition: log.partition, baseOffset: view.baseOffset, magic, crc: view.crc, batchBytes: batch.length };
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.probe.conversionCacheHit();
      return cached;
    }
    const startedAt = performance.now();
    const converted = await downConvertBatch(batch, magic, CONVERSION_DECOMPRESSED_BYTES_MAX);
    this.cache.put(key, converted);
    this.probe.batchConverted((performance.now() - startedAt) / 1000, this.cache.bytes);
    return converted;
  }
}
