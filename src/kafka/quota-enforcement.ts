/**
 * The Kafka face's side of client quotas: who the client is (the connection's principal and
 * the request's client id), the handling time a request counts for request_percentage, and
 * the throttle applied as Kafka 3.9 applies it: the response carries throttle_time_ms = the
 * largest of the throttles its quotas asked for, is sent at once, and the connection is then
 * muted for that long (ConnectionContext.muteUntil, KIP-219; the same for every request
 * version). The throttle is counted for the quota that caused it. The rates and limits are
 * ClientQuotas' (src/quotas).
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ClientQuotas, type QuotaClient } from '../quotas/client-quotas.service.js';
import type { QuotaType } from '../quotas/quota-entity.js';
import type { ConnectionContext } from './transport/connection-context.js';
import type { KafkaRequest } from './transport/kafka-request.js';

@Injectable()
export class QuotaEnforcement {
  /** Each connection's last client, reused while its user and client id stay the same: every produce and fetch asks (twice). */
  private readonly clients = new WeakMap<ConnectionContext, QuotaClient>();

  constructor(
    readonly quotas: ClientQuotas,
    private readonly clock: Clock,
  ) {}

  client(request: KafkaRequest<unknown>): QuotaClient {
    const { connection } = request;
    const user = connection.principal.name;
    const clientId = request.header.clientId ?? '';
    const cached = this.clients.get(connection);
    if (cached !== undefined && cached.user === user && cached.clientId === clientId) return cached;
    const client = { user, clientId };
    this.clients.set(connection, client);
    return client;
  }

  /** Records `handlingMs` against the client's request_percentage; the throttle it asks for (not applied yet). */
  handlingTime(request: KafkaRequest<unknown>, handlingMs: number): number {
    return this.quotas.record('request', this.client(request), handlingMs);
  }

  /** Applies the largest of `throttles` (ms per quota type): counted, and the connection muted. Returns it (0: none). */
  apply(request: KafkaRequest<unknown>, throttles: Partial<Record<QuotaType, number>>): number {
    let cause: QuotaType | null = null;
    let throttleMs = 0;
    // for-in: this runs for every produce and fetch, and Object.entries would allocate.
    for (const type in throttles) {
      const ms = throttles[type as QuotaType] ?? 0;
      if (ms > throttleMs) {
        throttleMs = ms;
        cause = type as QuotaType;
      }
    }
    if (cause === null) return 0;
    this.quotas.throttled(cause, this.client(request), throttleMs);
    request.connection.muteUntil(this.clock.nowMs() + throttleMs);
    return throttleMs;
  }
}
