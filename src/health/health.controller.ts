/**
 * Terminus probes: /health/live answers while the event loop turns (its lag is reported);
 * /health/ready (and /health) only once storage recovery is done, every Kafka listener is
 * bound, and the write-ahead log can write (it goes down while the disk is full or the
 * directory unwritable, and comes back with it: wal-health.ts), and every configured plugin
 * is loaded (a plugin whose restart failed refuses every batch: not ready until it is back),
 * and no stop has been asked (stop-request.ts: down from the signal on, while the broker drains).
 * The uplink to a Kafka cluster is reported in the readiness details but never makes Blink
 * unready: clients are served whether the remote cluster answers or not.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get, type OnModuleDestroy } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ListenerStatus } from '../cluster/listener-status.js';
import { PluginService } from '../plugins/plugin.service.js';
import { StorageRecovery } from '../recovery/storage-recovery.js';
import { UplinkService } from '../uplink/uplink.service.js';
import { WalHealth } from '../wal/wal-health.js';
import { StopRequest } from './stop-request.js';

/** Event-loop delay (p99 over the sampling window) above which the process is not live. */
export const LIVENESS_EVENT_LOOP_P99_MAX_MS = 5_000;

@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly listeners: ListenerStatus,
    private readonly recovery: StorageRecovery,
    private readonly walHealth: WalHealth,
    private readonly plugins: PluginService,
    private readonly uplink: UplinkService,
    private readonly stopRequest: StopRequest,
  ) {
    this.loopDelay.enable();
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.eventLoop()]);
  }

  @Get(['ready', ''])
  @HealthCheck()
  ready() {
    return this.health.check([() => this.notStopping(), () => this.storage(), () => this.kafkaListeners(), () => this.pluginsLoaded(), () => this.uplinkDetails()]);
  }

  private notStopping() {
    const indicator = this.indicators.check('shutdown');
    return this.stopRequest.isAsked ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }

  private eventLoop() {
    const delayP99Ms = Math.round(this.loopDelay.percentile(99) / 1e4) / 100;
    this.loopDelay.reset();
    const indicator = this.indicators.check('eventLoop');
    return delayP99Ms <= LIVENESS_EVENT_LOOP_P99_MAX_MS ? indicator.up({ delayP99Ms }) : indicator.down({ delayP99Ms });
  }

  private storage() {
    const indicator = this.indicators.check('storage');
    const recovery = this.recovery.state;
    if (recovery !== 'done') return indicator.down({ recovery, message: recovery === 'failed' ? 'storage recovery failed' : 'recovering the write-ahead log' });
    const failure = this.walHealth.failure;
    return failure === null ? indicator.up({ recovery }) : indicator.down({ recovery, message: `write-ahead log cannot write: ${failure.message}`, sinceMs: failure.sinceMs });
  }

  private kafkaListeners() {
    const indicator = this.indicators.check('kafkaListeners');
    return this.listeners.isListening ? indicator.up() : indicator.down({ message: 'Kafka listeners are not bound' });
  }

  private uplinkDetails() {
    const status = this.uplink.status();
    const details = { state: status.state, remoteReachable: status.remoteReachable, lagRecords: status.lagRecords, stuckPartitions: status.stuck.length, cutover: status.cutover.state };
    return this.indicators.check('uplink').up(details);
  }

  private pluginsLoaded() {
    const indicator = this.indicators.check('plugins');
    const plugins = this.plugins.list().map(({ name, status }) => ({ name, status }));
    const down = plugins.filter((p) => p.status === 'failed' || p.status === 'stopped');
    return down.length === 0 ? indicator.up({ plugins }) : indicator.down({ plugins, message: `plugins not loaded: ${down.map((p) => p.name).join(', ')}` });
  }
}
