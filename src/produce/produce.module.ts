import { Module } from '@nestjs/common';
import { PluginModule } from '../plugins/plugins.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ProduceProbe, produceMetricProviders } from './produce.probe.js';
import { RecordIngest } from './record-ingest.js';

/** The produce path shared by the Kafka and REST faces: validate, plugins, append. */
@Module({
  imports: [StorageModule, PluginModule],
  providers: [RecordIngest, ProduceProbe, ...produceMetricProviders],
  exports: [RecordIngest],
})
export class ProduceModule {}
