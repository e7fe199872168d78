import { type DynamicModule, Module } from '@nestjs/common';
import type { BlinkConfig } from './config/settings.js';
import { type AppOptions, BrokerCoreModule } from './core.module.js';
import { RestFaceModule } from './rest-face.module.js';

export type { AppOptions } from './core.module.js';

/**
 * The whole broker, built around a configuration that was validated before boot, as one module:
 * its core (core.module.ts) and its REST face (rest-face.module.ts). The server and an embedded
 * broker (blink-app.ts) build the same two, the REST face joining once the Kafka listeners are
 * bound; tests compile this.
 */
@Module({})
export class AppModule {
  static forRoot(config: BlinkConfig, options: AppOptions = {}): DynamicModule {
    return { module: AppModule, imports: [BrokerCoreModule.forRoot(config, options), RestFaceModule] };
  }
}
