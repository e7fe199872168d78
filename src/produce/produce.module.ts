import { Module } from '@nestjs/common';
import { PluginModule } from '../plugins/plugins.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { TxnModule } from '../txn/txn.module.js';
import { ProduceProbe, produceMetricProviders } from './produce.probe.js';
import { MessageSetConversion } from './message-set-conversion.js';
import { ProduceService } from './produce.service.js';
import { RecordIngest } from './record-ingest.js';

/** The produce path shared by the Kafka and REST faces: memory wait, legacy message sets converted, topic look-up, validate, plugins, append. */
@Module({
  imports: [StorageModule, PluginModule, TopicsModule, TxnModule],
  providers: [ProduceService, RecordIngest, MessageSetConversion, ProduceProbe, ...produceMetricProviders],
  exports: [ProduceService],
})
export class ProduceModule {}
