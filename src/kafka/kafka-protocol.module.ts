import { Module } from '@nestjs/common';
import { KafkaProbe, kafkaMetricProviders } from '../metrics/kafka.probe.js';
import { StorageModule } from '../storage/storage.module.js';
import { ClusterIdentity } from './cluster.js';
import { FetchParking } from './fetch/fetch-parking.js';
import { ApiVersionsController } from './handlers/api-versions.controller.js';
import { CoordinatorController } from './handlers/coordinator.controller.js';
import { FetchController } from './handlers/fetch.controller.js';
import { MetadataController } from './handlers/metadata.controller.js';
import { OffsetsController } from './handlers/offsets.controller.js';
import { ProduceController } from './handlers/produce.controller.js';
import { TopicsController } from './handlers/topics.controller.js';
import { ApiRegistry } from './transport/api-registry.js';
import { KafkaTransport } from './transport/kafka-transport.js';

/** The Kafka face: the custom transport and one controller per concern. */
@Module({
  imports: [StorageModule],
  controllers: [
    ApiVersionsController,
    MetadataController,
    ProduceController,
    FetchController,
    OffsetsController,
    TopicsController,
    CoordinatorController,
  ],
  providers: [KafkaTransport, ApiRegistry, FetchParking, ClusterIdentity, KafkaProbe, ...kafkaMetricProviders],
  exports: [KafkaTransport],
})
export class KafkaProtocolModule {}
