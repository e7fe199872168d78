/**
 * Metrics of the fetch path: blink_parked_fetches, the fetches (Kafka Fetch or a REST long
 * poll) waiting in FetchParking right now, read at scrape time (nothing is updated on the
 * fetch path). Besides operators, the e2e tests poll it to know that a fetch has parked.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { FetchParking } from './fetch-parking.js';

@Injectable()
export class FetchProbe implements OnModuleInit {
  constructor(
    private readonly parking: FetchParking,
    @InjectMetric('blink_parked_fetches') private readonly parkedFetches: Gauge,
  ) {}

  onModuleInit(): void {
    const parking = this.parking;
    // Computed on scrape: collect() runs inside prom-client's registry.metrics().
    Object.assign(this.parkedFetches, { collect: function (this: Gauge) { this.set(parking.parkedCount); } });
  }
}

/** The probe and its metric, for the fetch module's providers. */
export const fetchProbeProviders = [
  FetchProbe,
  makeGaugeProvider({ name: 'blink_parked_fetches', help: 'Fetches (Kafka, or REST long polls) parked waiting for min_bytes or max_wait_ms' }),
];
