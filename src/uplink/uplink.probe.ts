/**
 * Metrics of the uplink (docs/UPLINK.md lists them with the alert rules that use them).
 * Counters move as things happen; gauges are read at scrape time from what the uplink
 * reports through `measure` (the service registers it, so the probe never imports the
 * service). With the uplink off every gauge is 0 and blink_uplink_enabled says so.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import type { RemoteErrorKind } from './remote/remote-errors.js';

export const uplinkMetricProviders = [
  makeGaugeProvider({ name: 'blink_uplink_enabled', help: '1 when the uplink to a Kafka cluster is configured (uplink_bootstrap_servers)' }),
  makeGaugeProvider({ name: 'blink_uplink_remote_up', help: '1 while the remote Kafka cluster answers the uplink' }),
  makeGaugeProvider({ name: 'blink_uplink_lag_records', help: 'Offsets stored in Blink on mirrored topics that the remote cluster does not have yet' }),
  makeGaugeProvider({ name: 'blink_uplink_lag_seconds', help: 'Age of the oldest record not yet mirrored (0 when caught up)' }),
  makeGaugeProvider({ name: 'blink_uplink_topic_lag_records', help: 'Offsets not yet mirrored, per topic', labelNames: ['topic'] }),
  makeGaugeProvider({ name: 'blink_uplink_partitions', help: 'Partitions mirrored' }),
  makeGaugeProvider({ name: 'blink_uplink_stuck_partitions', help: 'Mirrored partitions stopped until the remote changes: a refused batch, or a remote log that diverged' }),
  makeGaugeProvider({ name: 'blink_uplink_cutover_state', help: 'Cut-over: 0 none, 1 produce closed and draining, 2 ready to switch' }),
  makeCounterProvider({ name: 'blink_uplink_mirrored_records_total', help: 'Records the remote cluster acknowledged' }),
  makeCounterProvider({ name: 'blink_uplink_mirrored_bytes_total', help: 'Record-batch bytes the remote cluster acknowledged' }),
  makeCounterProvider({ name: 'blink_uplink_remote_errors_total', help: 'Failed calls to the remote cluster, by kind', labelNames: ['kind'] }),
  makeCounterProvider({ name: 'blink_uplink_unmirrored_dropped_offsets_total', help: 'Offsets retention removed before the uplink copied them (uplink_unmirrored: drop)' }),
  makeCounterProvider({ name: 'blink_uplink_group_offsets_synced_total', help: 'Committed group offsets written, translated, to the remote cluster' }),
];

/** The gauges' values, read at scrape time. */
export interface UplinkGauges {
  readonly enabled: boolean;
  readonly remoteUp: boolean;
  readonly lagRecords: number;
  readonly lagSeconds: number;
  readonly topicLag: ReadonlyMap<string, number>;
  readonly partitions: number;
  readonly stuckPartitions: number;
  readonly cutoverState: 0 | 1 | 2;
}

const OFF: UplinkGauges = { enabled: false, remoteUp: false, lagRecords: 0, lagSeconds: 0, topicLag: new Map(), partitions: 0, stuckPartitions: 0, cutoverState: 0 };

@Injectable()
export class UplinkProbe implements OnModuleInit {
  private source: () => UplinkGauges = () => OFF;

  constructor(
    @InjectMetric('blink_uplink_enabled') private readonly enabled: Gauge,
    @InjectMetric('blink_uplink_remote_up') private readonly remoteUp: Gauge,
    @InjectMetric('blink_uplink_lag_records') private readonly lagRecords: Gauge,
    @InjectMetric('blink_uplink_lag_seconds') private readonly lagSeconds: Gauge,
    @InjectMetric('blink_uplink_topic_lag_records') private readonly topicLag: Gauge,
    @InjectMetric('blink_uplink_partitions') private readonly partitions: Gauge,
    @InjectMetric('blink_uplink_stuck_partitions') private readonly stuckPartitions: Gauge,
    @InjectMetric('blink_uplink_cutover_state') private readonly cutoverState: Gauge,
    @InjectMetric('blink_uplink_mirrored_records_total') private readonly mirroredRecords: Counter,
    @InjectMetric('blink_uplink_mirrored_bytes_total') private readonly mirroredBytes: Counter,
    @InjectMetric('blink_uplink_remote_errors_total') private readonly remoteErrors: Counter,
    @InjectMetric('blink_uplink_unmirrored_dropped_offsets_total') private readonly droppedOffsets: Counter,
    @InjectMetric('blink_uplink_group_offsets_synced_total') private readonly groupOffsetsSynced: Counter,
  ) {}

  onModuleInit(): void {
    const read = (pick: (gauges: UplinkGauges) => number) =>
      function (this: Gauge) {
        this.set(pick(probeSource()));
      };
    const probeSource = () => this.source();
    // Gauges computed on scrape: collect() runs inside prom-client's registry.metrics().
    Object.assign(this.enabled, { collect: read((g) => (g.enabled ? 1 : 0)) });
    Object.assign(this.remoteUp, { collect: read((g) => (g.remoteUp ? 1 : 0)) });
    Object.assign(this.lagRecords, { collect: read((g) => g.lagRecords) });
    Object.assign(this.lagSeconds, { collect: read((g) => g.lagSeconds) });
    Object.assign(this.partitions, { collect: read((g) => g.partitions) });
    Object.assign(this.stuckPartitions, { collect: read((g) => g.stuckPartitions) });
    Object.assign(this.cutoverState, { collect: read((g) => g.cutoverState) });
    Object.assign(this.topicLag, {
      collect: function (this: Gauge) {
        this.reset();
        for (const [topic, lag] of probeSource().topicLag) this.set({ topic }, lag);
      },
    });
  }

  /** Registers where the gauges come from (the uplink service, once it is built). */
  measure(source: () => UplinkGauges): void {
    this.source = source;
  }

  mirrored(records: number, bytes: number): void {
    this.mirroredRecords.inc(records);
    this.mirroredBytes.inc(bytes);
  }

  remoteFailed(kind: RemoteErrorKind): void {
    this.remoteErrors.inc({ kind });
  }

  droppedUnmirrored(offsets: number): void {
    if (offsets > 0) this.droppedOffsets.inc(offsets);
  }

  groupOffsetsWritten(count: number): void {
    this.groupOffsetsSynced.inc(count);
  }
}
