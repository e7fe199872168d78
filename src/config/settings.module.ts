import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { BLINK_CONFIG, type BlinkConfig } from './blink-config.js';

/**
 * Provides the `BlinkConfig` that `loadSettings` validated before the app was created, under
 * `BLINK_CONFIG`, and as `ConfigService.get('blink')` for code that prefers @nestjs/config.
 * ConfigModule is told not to read `.env` files or process.env: `loadSettings` is the only
 * place settings come from.
 */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(config: BlinkConfig): DynamicModule {
    return {
      module: SettingsModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          // @nestjs/config 12: `validatePredefined: false` keeps process.env out of the loaded
          // config (it replaces the deprecated `ignoreEnvVars`); `skipProcessEnv` stops
          // ConfigService.get() from falling back to process.env.
          validatePredefined: false,
          skipProcessEnv: true,
          // Under a token of its own (registerAs): a factory without one gets a random token,
          // whose randomUUID() would load node:crypto at every boot (tools/bundle.mjs defers it).
          load: [registerAs('blink', () => config)],
        }),
      ],
      providers: [{ provide: BLINK_CONFIG, useValue: config }],
      exports: [BLINK_CONFIG],
    };
  }
}
