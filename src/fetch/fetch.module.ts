import { Module } from '@nestjs/common';
import { FetchParking } from './fetch-parking.js';

/** The fetch path shared by the Kafka and REST faces: long-poll parking. */
@Module({
  providers: [FetchParking],
  exports: [FetchParking],
})
export class FetchModule {}
