/**
 * Metrics of the WebAssembly plugins, labelled by plugin name. The plugin service calls
 * intent-named methods; only this class touches prom-client. Durations are exported in
 * microseconds, like the produce latency.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '../common/metric-providers.js';
import type { Counter, Gauge, Histogram } from 'prom-client';

const CALL_DURATION_BUCKETS_US = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000, 1_000_000];

export type PluginErrorKind = 'timeout' | 'trap' | 'memory' | 'crash' | 'unavailable';

export const pluginMetricProviders = [
  makeCounterProvider({ name: 'blink_plugin_calls_total', help: 'Plugin calls (one per produce batch and plugin)', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_records_total', help: 'Records passed to a plugin', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_rejected_records_total', help: 'Records a plugin refused whose batch was rejected (plugin_reject_mode reject-batch)', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_dropped_records_total', help: 'Records a plugin refused that were left out of their batch (plugin_reject_mode drop-record)', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_rewritten_records_total', help: 'Records a record-transformer replaced', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_errors_total', help: 'Plugin calls that failed, by kind (timeout, trap, memory, crash, unavailable)', labelNames: ['plugin', 'kind'] }),
  makeCounterProvider({ name: 'blink_plugin_timeouts_total', help: 'Plugin calls stopped at plugin_timeout', labelNames: ['plugin'] }),
  makeCounterProvider({ name: 'blink_plugin_restarts_total', help: 'Plugin worker restarts after a failure, by result (ok, failed)', labelNames: ['plugin', 'result'] }),
  makeCounterProvider({ name: 'blink_plugin_reloads_total', help: 'Hot reloads of a plugin file, by result (ok, refused)', labelNames: ['plugin', 'result'] }),
  makeHistogramProvider({ name: 'blink_plugin_call_duration', help: 'Plugin call duration per batch, microseconds', labelNames: ['plugin'], buckets: CALL_DURATION_BUCKETS_US }),
  makeGaugeProvider({ name: 'blink_plugin_up', help: '1 while the plugin serves calls, 0 while it is failed', labelNames: ['plugin'] }),
];

@Injectable()
export class PluginProbe {
  constructor(
    @InjectMetric('blink_plugin_calls_total') private readonly calls: Counter<'plugin'>,
    @InjectMetric('blink_plugin_records_total') private readonly records: Counter<'plugin'>,
    @InjectMetric('blink_plugin_rejected_records_total') private readonly rejected: Counter<'plugin'>,
    @InjectMetric('blink_plugin_dropped_records_total') private readonly dropped: Counter<'plugin'>,
    @InjectMetric('blink_plugin_rewritten_records_total') private readonly rewritten: Counter<'plugin'>,
    @InjectMetric('blink_plugin_errors_total') private readonly errors: Counter<'plugin' | 'kind'>,
    @InjectMetric('blink_plugin_timeouts_total') private readonly timeouts: Counter<'plugin'>,
    @InjectMetric('blink_plugin_restarts_total') private readonly restarts: Counter<'plugin' | 'result'>,
    @InjectMetric('blink_plugin_reloads_total') private readonly reloads: Counter<'plugin' | 'result'>,
    @InjectMetric('blink_plugin_call_duration') private readonly duration: Histogram<'plugin'>,
    @InjectMetric('blink_plugin_up') private readonly up: Gauge<'plugin'>,
  ) {}

  called(plugin: string, records: number, durationMs: number): void {
    this.calls.inc({ plugin });
    this.records.inc({ plugin }, records);
    this.duration.observe({ plugin }, durationMs * 1000);
  }

  recordsRefused(plugin: string, records: number, batchRejected: boolean): void {
    if (records > 0) (batchRejected ? this.rejected : this.dropped).inc({ plugin }, records);
  }

  recordsRewritten(plugin: string, records: number): void {
    if (records > 0) this.rewritten.inc({ plugin }, records);
  }

  callFailed(plugin: string, kind: PluginErrorKind): void {
    this.errors.inc({ plugin, kind });
    if (kind === 'timeout') this.timeouts.inc({ plugin });
  }

  restarted(plugin: string, ok: boolean): void {
    this.restarts.inc({ plugin, result: ok ? 'ok' : 'failed' });
    this.up.set({ plugin }, ok ? 1 : 0);
  }

  reloaded(plugin: string, ok: boolean): void {
    this.reloads.inc({ plugin, result: ok ? 'ok' : 'refused' });
  }

  loaded(plugin: string): void {
    this.up.set({ plugin }, 1);
  }
}
