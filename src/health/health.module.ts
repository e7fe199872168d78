import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterModule } from '../cluster/cluster.module.js';
import { PluginModule } from '../plugins/plugins.module.js';
import { RecoveryModule } from '../recovery/recovery.module.js';
import { WalModule } from '../wal/wal.module.js';
import { UplinkModule } from '../uplink/uplink.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ClusterModule, RecoveryModule, WalModule, PluginModule, UplinkModule],
  controllers: [HealthController],
})
export class HealthModule {}
