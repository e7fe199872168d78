import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonModule } from './common/common.module.js';
import { registerProcessMetrics } from './common/process-metrics.js';
import type { BlinkConfig } from './config/settings.js';
import { SettingsModule } from './config/settings.module.js';
import { StopRequestModule } from './health/stop-request.js';
import { KafkaProtocolModule } from './kafka/kafka-protocol.module.js';
import { RecoveryModule } from './recovery/recovery.module.js';
import { CompactionModule } from './compaction/compaction.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { MEMORY_LET_GO } from './storage/memory-accountant.js';
import { StorageModule } from './storage/storage.module.js';
import { UplinkModule } from './uplink/uplink.module.js';
import { WalModule } from './wal/wal.module.js';

/** How the application is run, beside its settings. */
export interface AppOptions {
  /** No log lines at all, whatever `log_level` says (an embedded broker inside a test suite). */
  readonly silent?: boolean;
  /**
   * The Node.js process metrics (default true: prom-client's defaults with Blink's own
   * nodejs_gc_duration_seconds, process-metrics.ts). They go in the process-wide registry once:
   * a second broker in the same process (embedded) does not add them again.
   */
  readonly processMetrics?: boolean;
  /**
   * What the process does once the batch pool has let memory go (MEMORY_LET_GO): the server
   * collects garbage when idle (main.ts); none (an embedded broker) does nothing more.
   */
  readonly onMemoryLetGo?: () => void;
}

/** What the process hands the modules (AppOptions): MEMORY_LET_GO when given, for the storage module. */
@Global()
@Module({})
class ProcessHooksModule {
  static forRoot(options: AppOptions): DynamicModule {
    const providers = options.onMemoryLetGo === undefined ? [] : [{ provide: MEMORY_LET_GO, useValue: options.onMemoryLetGo }];
    return { module: ProcessHooksModule, global: true, providers, exports: providers.map((provider) => provider.provide) };
  }
}

/**
 * The broker without its REST face: settings, logging, storage, the WAL, retention, compaction,
 * recovery, the uplink and the Kafka protocol (which brings the modules of its handlers: groups,
 * produce, fetch, plugins, authentication, …). What a boot builds before it answers Kafka
 * clients; the REST face (rest-face.module.ts: metrics endpoint, health, admin API, dashboard)
 * joins the same container once the Kafka listeners are bound (blink-app.ts). AppModule
 * (app.module.ts) is both in one module.
 */
@Module({})
export class BrokerCoreModule {
  static forRoot(config: BlinkConfig, options: AppOptions = {}): DynamicModule {
    // The process metrics, in prom-client's process-wide registry, now (PrometheusModule.register's
    // own are switched off in the REST face): a process that creates a second broker before the first
    // one's REST face is loaded sees them there and does not add them again (embed.ts).
    if (options.processMetrics !== false) registerProcessMetrics();
    return {
      module: BrokerCoreModule,
      imports: [
        SettingsModule.forRoot(config),
        CommonModule,
        ProcessHooksModule.forRoot(options),
        StopRequestModule,
        LoggerModule.forRoot({
          pinoHttp: { level: options.silent === true ? 'silent' : config.logLevel, autoLogging: false, base: { service: 'blink' } },
        }),
        StorageModule,
        WalModule,
        RetentionModule,
        CompactionModule,
        RecoveryModule,
        UplinkModule,
        KafkaProtocolModule,
      ],
    };
  }
}
