/**
 * The coordinator's timers, on the Clock: every TIMEOUT_CHECK_INTERVAL_MS it aborts the
 * transactions that outlived their transaction.timeout.ms (fencing their producer) and
 * retries completions whose markers could not all be written; every
 * min(transactional_id_expiration_ms, EXPIRATION_CHECK_INTERVAL_MS) it forgets idle
 * transactional ids. Kafka checks timeouts every 10 s
 * (transaction.abort.timed.out.transaction.cleanup.interval.ms); Blink checks every second,
 * so an abandoned transaction stops blocking read_committed consumers soon after its timeout.
 * Each check walks the transactional ids once (bounded by their number).
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { TransactionCompleter } from './transaction-completer.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Kafka's transaction.remove.expired.transaction.cleanup.interval.ms (1 hour). */
export const EXPIRATION_CHECK_INTERVAL_MS = 3_600_000;

@Injectable()
export class TransactionSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly timers: Timer[] = [];

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly coordinator: TransactionCoordinator,
    private readonly completer: TransactionCompleter,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timers.push(
      this.clock.every(TIMEOUT_CHECK_INTERVAL_MS, () => {
        this.coordinator.abortTimedOut();
        this.completer.retryIncomplete();
      }),
      this.clock.every(Math.min(this.config.transactionalIdExpirationMs, EXPIRATION_CHECK_INTERVAL_MS), () => this.coordinator.expireIdle()),
    );
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers.splice(0)) timer.cancel();
  }
}
