/**
 * Metrics of the produce path, counted once for both faces (Kafka Produce and the REST
 * produce routes) where the batch is appended, plus the up-conversion of legacy message
 * sets (Produce v0-2): Kafka's ProduceMessageConversionsPerSec (records converted) and
 * MessageConversionsTimeMs{request=Produce}, in seconds.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

/** Conversion durations: tens of microseconds (a few small messages) to seconds (a large compressed set). */
const CONVERSION_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export const produceMetricProviders = [
  makeCounterProvider({ name: 'blink_produced_records_total', help: 'Records appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_produced_bytes_total', help: 'Record-batch bytes appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({
    name: 'blink_produce_message_conversions_total',
    help: 'Records of legacy message sets (magic 0/1, Produce v0-2) converted to record batches (Kafka: ProduceMessageConversionsPerSec)',
  }),
  makeHistogramProvider({
    name: 'blink_produce_message_conversion_seconds',
    help: 'Time to convert one partition\'s legacy message set to a record batch (Kafka: MessageConversionsTimeMs, request=Produce)',
    buckets: CONVERSION_SECONDS_BUCKETS,
  }),
];

@Injectable()
export class ProduceProbe {
  constructor(
    @InjectMetric('blink_produced_records_total') private readonly producedRecords: Counter,
    @InjectMetric('blink_produced_bytes_total') private readonly producedBytes: Counter,
    @InjectMetric('blink_produce_message_conversions_total') private readonly conversions: Counter,
    @InjectMetric('blink_produce_message_conversion_seconds') private readonly conversionTime: Histogram,
  ) {}

  batchAppended(records: number, bytes: number): void {
    this.producedRecords.inc(records);
    this.producedBytes.inc(bytes);
  }

  messagesUpConverted(records: number, seconds: number): void {
    this.conversions.inc(records);
    this.conversionTime.observe(seconds);
  }
}
