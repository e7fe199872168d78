/**
 * Metrics of the produce path, counted once for both faces (Kafka Produce and the REST
 * produce routes) where the batch is appended.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

export const produceMetricProviders = [
  makeCounterProvider({ name: 'blink_produced_records_total', help: 'Records appended by Produce (Kafka, or the REST produce routes)' }),
  makeCounterProvider({ name: 'blink_produced_bytes_total', help: 'Record-batch bytes appended by Produce (Kafka, or the REST produce routes)' }),
];

@Injectable()
export class ProduceProbe {
  constructor(
    @InjectMetric('blink_produced_records_total') private readonly producedRecords: Counter,
    @InjectMetric('blink_produced_bytes_total') private readonly producedBytes: Counter,
  ) {}

  batchAppended(records: number, bytes: number): void {
    this.producedRecords.inc(records);
    this.producedBytes.inc(bytes);
  }
}
