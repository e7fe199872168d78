/**
 * Topics closed to produce while their data moves elsewhere (the uplink's cut-over to an
 * Apache Kafka cluster): the produce service asks `refusalFor` before it resolves a topic,
 * so neither the Kafka nor the REST face stores a record on a closed topic, and a closed
 * name that does not exist yet is not auto-created.
 *
 * The answer is NOT_LEADER_OR_FOLLOWER, what Kafka answers when a partition's leadership has
 * moved: it is retriable, so producers keep their records and retry (until delivery.timeout.ms)
 * instead of failing them, while their operators point bootstrap.servers at the new cluster.
 * One rule at a time (a predicate over names, so topics created later are covered too).
 */
import { Injectable } from '@nestjs/common';
import { ErrorCode } from '../wire/error-codes.js';
import { refusal, type Refusal } from './refusal.js';

/** The reason a topic is closed, or null when it is open. */
export type FenceRule = (topic: string) => string | null;

@Injectable()
export class WriteFence {
  private rule: FenceRule | null = null;

  get active(): boolean {
    return this.rule !== null;
  }

  /** Closes every topic `rule` names (replacing an earlier rule). */
  close(rule: FenceRule): void {
    this.rule = rule;
  }

  open(): void {
    this.rule = null;
  }

  refusalFor(topic: string): Refusal | null {
    const reason = this.rule?.(topic) ?? null;
    return reason === null ? null : refusal(ErrorCode.NOT_LEADER_OR_FOLLOWER, reason);
  }
}
