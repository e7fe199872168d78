import { Module } from '@nestjs/common';
import { WalModule } from '../wal/wal.module.js';
import { ClientMetrics } from './client-metrics.service.js';
import { telemetryProbeProviders } from './telemetry.probe.js';

/** Client telemetry (KIP-714): CLIENT_METRICS subscriptions, client instances, pushed metrics on /prometheus. */
@Module({
  imports: [WalModule],
  providers: [ClientMetrics, ...telemetryProbeProviders],
  exports: [ClientMetrics],
})
export class TelemetryModule {}
