import { type DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module.js';
import { CommonModule } from './common/common.module.js';
import { DocumentedPrometheusController } from './admin/controllers/prometheus.controller.js';
import type { BlinkConfig } from './config/settings.js';
import { SettingsModule } from './config/settings.module.js';
import { HealthModule } from './health/health.module.js';
import { KafkaProtocolModule } from './kafka/kafka-protocol.module.js';
import { RecoveryModule } from './recovery/recovery.module.js';
import { CompactionModule } from './compaction/compaction.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { StorageModule } from './storage/storage.module.js';
import { UplinkModule } from './uplink/uplink.module.js';
import { WalModule } from './wal/wal.module.js';

/** The whole broker, built around a configuration that was validated before boot. */
@Module({})
export class AppModule {
  static forRoot(config: BlinkConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(config),
        CommonModule,
        LoggerModule.forRoot({
          pinoHttp: { level: config.logLevel, autoLogging: false, base: { service: 'blink' } },
        }),
        PrometheusModule.register({ path: '/prometheus', defaultMetrics: { enabled: true }, controller: DocumentedPrometheusController }),
        StorageModule,
        WalModule,
        RetentionModule,
        CompactionModule,
        RecoveryModule,
        UplinkModule,
        KafkaProtocolModule,
        HealthModule,
        AdminModule,
      ],
    };
  }
}
