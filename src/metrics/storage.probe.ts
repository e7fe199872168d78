/**
 * Metrics of the storage tiers, read at scrape time from the MemoryAccountant (nothing is
 * updated on the produce path).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { MemoryAccountant } from '../storage/memory-accountant.js';

export const storageMetricProviders = [
  makeGaugeProvider({ name: 'blink_in_memory_queue_size_bytes', help: 'Record-batch bytes held in memory' }),
  makeGaugeProvider({ name: 'blink_ram_batch_count', help: 'Record batches held in memory' }),
  makeGaugeProvider({ name: 'blink_max_memory_bytes', help: 'The max_memory setting, bytes' }),
  makeCounterProvider({ name: 'blink_purged_records', help: 'Records removed by retention or DeleteRecords' }),
];

@Injectable()
export class StorageProbe implements OnModuleInit {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly accountant: MemoryAccountant,
    @InjectMetric('blink_in_memory_queue_size_bytes') private readonly inMemoryBytes: Gauge,
    @InjectMetric('blink_ram_batch_count') private readonly ramBatches: Gauge,
    @InjectMetric('blink_max_memory_bytes') private readonly maxMemory: Gauge,
    @InjectMetric('blink_purged_records') private readonly purgedRecords: Counter,
  ) {}

  onModuleInit(): void {
    this.maxMemory.set(this.config.maxMemoryBytes);
    const accountant = this.accountant;
    // Gauges computed on scrape: collect() runs inside prom-client's registry.metrics().
    Object.assign(this.inMemoryBytes, { collect: function (this: Gauge) { this.set(accountant.storedBytes); } });
    Object.assign(this.ramBatches, { collect: function (this: Gauge) { this.set(accountant.storedBatches); } });
  }

  recordsPurged(records: number): void {
    if (records > 0) this.purgedRecords.inc(records);
  }
}
