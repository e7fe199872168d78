import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module.js';
import { RecoveryModule } from '../recovery/recovery.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { WalModule } from '../wal/wal.module.js';
import { RemoteConnector } from './remote/kafka-library.js';
import { UplinkJournal } from './uplink-journal.js';
import { UplinkProbe, uplinkMetricProviders } from './uplink.probe.js';
import { UplinkService } from './uplink.service.js';

/**
 * The uplink to an Apache Kafka cluster (docs/UPLINK.md). Always part of the application
 * (its metrics and REST routes exist with the uplink off); the Kafka client library is
 * loaded only when uplink_bootstrap_servers is set.
 */
@Module({
  imports: [StorageModule, WalModule, RetentionModule, GroupsModule, RecoveryModule, TopicsModule],
  providers: [UplinkService, UplinkJournal, RemoteConnector, UplinkProbe, ...uplinkMetricProviders],
  exports: [UplinkService],
})
export class UplinkModule {}
