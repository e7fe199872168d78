import { Module } from '@nestjs/common';
import { PluginProbe, pluginMetricProviders } from './plugin.probe.js';
import { PluginFiles } from './plugin-files.js';
import { PluginService } from './plugin.service.js';
import { StorageModule } from '../storage/storage.module.js';
import { WasmRuntime } from './wasm-runtime.js';

/**
 * WebAssembly plugins called on every produced batch (docs/PLUGINS.md). Exports the
 * `PluginService`: the produce path's plugin step and list/reload for the admin API.
 */
@Module({
  imports: [StorageModule],
  providers: [PluginService, WasmRuntime, PluginFiles, PluginProbe, ...pluginMetricProviders],
  exports: [PluginService],
})
export class PluginModule {}
