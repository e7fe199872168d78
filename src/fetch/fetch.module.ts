import { Module } from '@nestjs/common';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { FetchParking } from './fetch-parking.js';
import { fetchProbeProviders } from './fetch.probe.js';
import { FetchService } from './fetch.service.js';
import { MessageSetDownConversion } from './message-set-down-conversion.js';
import { OffsetLookup } from './offset-lookup.js';

/** The fetch path shared by the Kafka and REST faces: reads within byte budgets, legacy message sets for old fetchers, long-poll parking, purge_on_fetch, offset look-ups. */
@Module({
  imports: [StorageModule, TopicsModule, RetentionModule],
  providers: [FetchParking, FetchService, OffsetLookup, MessageSetDownConversion, ...fetchProbeProviders],
  exports: [FetchParking, FetchService, OffsetLookup],
})
export class FetchModule {}
