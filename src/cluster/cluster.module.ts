import { Module } from '@nestjs/common';
import { ClusterIdentity } from './cluster-identity.js';
import { FinalizedFeatures } from './features.js';
import { ListenerStatus } from './listener-status.js';

/** Who this broker is, which of its Kafka listeners are bound, and its finalized feature levels. */
@Module({
  providers: [ClusterIdentity, ListenerStatus, FinalizedFeatures],
  exports: [ClusterIdentity, ListenerStatus, FinalizedFeatures],
})
export class ClusterModule {}
