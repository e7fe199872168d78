import { Module } from '@nestjs/common';
import { ClusterIdentity } from './cluster-identity.js';
import { ListenerStatus } from './listener-status.js';

/** Who this broker is and which of its Kafka listeners are bound. */
@Module({
  providers: [ClusterIdentity, ListenerStatus],
  exports: [ClusterIdentity, ListenerStatus],
})
export class ClusterModule {}
