/**
 * Terminus probes: /health/live answers while the event loop turns (its lag is reported);
 * /health/ready (and /health) only once every Kafka listener is bound.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Controller, Get, type OnModuleDestroy } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { KafkaTransport } from '../kafka/transport/kafka-transport.js';

/** Event-loop delay (p99 over the sampling window) above which the process is not live. */
export const LIVENESS_EVENT_LOOP_P99_MAX_MS = 5_000;

@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly transport: KafkaTransport,
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
    return this.health.check([() => this.kafkaListeners()]);
  }

  private eventLoop() {
    const delayP99Ms = Math.round(this.loopDelay.percentile(99) / 1e4) / 100;
    this.loopDelay.reset();
    const indicator = this.indicators.check('eventLoop');
    return delayP99Ms <= LIVENESS_EVENT_LOOP_P99_MAX_MS ? indicator.up({ delayP99Ms }) : indicator.down({ delayP99Ms });
  }

  private kafkaListeners() {
    const indicator = this.indicators.check('kafkaListeners');
    return this.transport.isListening ? indicator.up() : indicator.down({ message: 'Kafka listeners are not bound' });
  }
}
