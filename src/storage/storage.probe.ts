/**
 * Metrics of the memory tier, read at scrape time from the MemoryAccountant (nothing is
 * updated on the produce path). blink_current_allocated is the process's allocated memory
 * as Node reports it (V8 heap in use + external memory, which holds every Buffer). The WAL
 * tier's metrics are in wal.probe.ts.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { MemoryAccountant } from './memory-accountant.js';

export const storageMetricProviders = [
  makeGaugeProvider({ name: 'blink_in_memory_queue_size_bytes', help: 'Record-batch bytes held in memory' }),
  makeGaugeProvider({ name: 'blink_ram_batch_count', help: 'Record batches held in memory' }),
  makeGaugeProvider({ name: 'blink_max_memory_bytes', help: 'The max_memory setting, bytes' }),
  makeCounterProvider({ name: 'blink_purged_records', help: 'Records removed by retention, purge_on_fetch or DeleteRecords' }),
  makeGaugeProvider({ name: 'blink_current_allocated', help: 'Bytes allocated by the process: V8 heap used plus external memory (Buffers)' }),
  makeGaugeProvider({
    name: 'blink_batch_memory_bytes',
    help: 'Pooled memory behind the memory tier, by state: slabs (all of it), free (empty slabs kept for reuse), held_back (released, waiting for pinned readers)',
    labelNames: ['state'],
  }),
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
    @InjectMetric('blink_current_allocated') private readonly allocated: Gauge,
    @InjectMetric('blink_batch_memory_bytes') private readonly batchMemory: Gauge<'state'>,
  ) {}

  onModuleInit(): void {
    this.maxMemory.set(this.config.maxMemoryBytes);
    const accountant = this.accountant;
    // Gauges computed on scrape: collect() runs inside prom-client's registry.metrics().
    Object.assign(this.inMemoryBytes, { collect: function (this: Gauge) { this.set(accountant.storedBytes); } });
    Object.assign(this.ramBatches, { collect: function (this: Gauge) { this.set(accountant.storedBatches); } });
    Object.assign(this.allocated, {
      collect: function (this: Gauge) {
        const usage = process.memoryUsage();
        this.set(usage.heapUsed + usage.external);
      },
    });
    Object.assign(this.batchMemory, {
      collect: function (this: Gauge<'state'>) {
        const stats = accountant.memory.stats();
        this.set({ state: 'slabs' }, stats.slabBytes);
        this.set({ state: 'free' }, stats.freeBytes);
        this.set({ state: 'held_back' }, stats.heldBackBytes);
      },
    });
  }

  recordsPurged(records: number): void {
    if (records > 0) this.purgedRecords.inc(records);
  }
}
