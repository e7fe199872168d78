import { Module } from '@nestjs/common';
import { PluginProbe, pluginMetricProviders } from '../metrics/plugin.probe.js';
import { PluginFiles } from './plugin-files.js';
import { PluginService } from './plugin.service.js';
import { RecordIngest } from './record-ingest.js';
import { StorageModule } from '../storage/storage.module.js';
import { WasmRuntime } from './wasm-runtime.js';

/**
 * WebAssembly plugins called on every produced batch (docs/PLUGINS.md). Exports
 * `RecordIngest`, the produce paths' validate → plugins → append step, and the
 * `PluginService` (list/reload for the admin API).
 */
@Module({
  imports: [StorageModule],
  providers: [PluginService, RecordIngest, WasmRuntime, PluginFiles, PluginProbe, ...pluginMetricProviders],
  exports: [PluginService, RecordIngest],
})
export class PluginModule {}
