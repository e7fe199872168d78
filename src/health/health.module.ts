import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KafkaProtocolModule } from '../kafka/kafka-protocol.module.js';
import { PluginModule } from '../plugins/plugins.module.js';
import { WalModule } from '../wal/wal.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), KafkaProtocolModule, WalModule, PluginModule],
  controllers: [HealthController],
})
export class HealthModule {}
