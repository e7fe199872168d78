/**
 * request_percentage for every Kafka API that does not account for itself: the request's
 * handling time (from the handler pipeline's start to its answer) is recorded against the
 * client's quota, and a client over it gets throttle_time_ms in the response and a muted
 * connection (QuotaEnforcement). Kafka counts request-thread time, never the time a request
 * waits in purgatory: JoinGroup and SyncGroup, which wait for the rebalance by design, record
 * nothing (their own work is tiny) but are still throttled while the client is over its
 * quota. Produce and Fetch account for themselves (their byte rates and request time give
 * one throttle, the largest). Registered on the Kafka microservice in main.ts.
 */
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { QuotaEnforcement } from './quota-enforcement.js';
import type { KafkaRequest } from './transport/kafka-request.js';

type Accounting = 'self' | 'waits';

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
const JOIN_GROUP_KEY = 11;
const SYNC_GROUP_KEY = 14;
const ACCOUNTING: ReadonlyMap<number, Accounting> = new Map([
  [PRODUCE_KEY, 'self'],
  [FETCH_KEY, 'self'],
  [JOIN_GROUP_KEY, 'waits'],
  [SYNC_GROUP_KEY, 'waits'],
]);

@Injectable()
export class RequestQuotaInterceptor implements NestInterceptor {
  constructor(private readonly enforcement: QuotaEnforcement) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const request = context.switchToRpc().getData<KafkaRequest<unknown>>();
    const accounting = ACCOUNTING.get(request.header.apiKey);
    if (accounting === 'self') return next.handle();
    const startedAt = performance.now();
    return next.handle().pipe(
      map((response) => {
        const handlingMs = accounting === 'waits' ? 0 : performance.now() - startedAt;
        const throttleMs = this.enforcement.apply(request, { request: this.enforcement.handlingTime(request, handlingMs) });
        return withThrottle(response, throttleMs);
      }),
    );
  }
}

/** The response with `throttleMs` in its throttle_time_ms (every Kafka response body names it so; versions without it ignore it). */
function withThrottle(response: unknown, throttleMs: number): unknown {
  if (throttleMs <= 0 || response === null || typeof response !== 'object') return response;
  const current = (response as { throttleTimeMs?: number }).throttleTimeMs ?? 0;
  return { ...response, throttleTimeMs: Math.max(current, throttleMs) };
}
