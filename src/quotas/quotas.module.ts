import { Module } from '@nestjs/common';
import { WalModule } from '../wal/wal.module.js';
import { ClientQuotas } from './client-quotas.service.js';
import { quotasProbeProviders } from './quotas.probe.js';

/** Client quotas (KIP-13, KIP-55, KIP-124): their configuration, persistence and enforcement. */
@Module({
  imports: [WalModule],
  providers: [ClientQuotas, ...quotasProbeProviders],
  exports: [ClientQuotas],
})
export class QuotasModule {}
