import { Module } from '@nestjs/common';
import { FetchParking } from './fetch-parking.js';
import { fetchProbeProviders } from './fetch.probe.js';

/** The fetch path shared by the Kafka and REST faces: long-poll parking. */
@Module({
  providers: [FetchParking, ...fetchProbeProviders],
  exports: [FetchParking],
})
export class FetchModule {}
