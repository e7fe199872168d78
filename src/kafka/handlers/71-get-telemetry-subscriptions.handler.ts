/**
 * GetTelemetrySubscriptions (key 71), version 0 (KIP-714).
 * The metrics this client instance should push and how often, from the CLIENT_METRICS
 * subscriptions it matches (ClientMetrics): a zero client_instance_id gets a new instance id;
 * requested_metrics lists prefixes ("*" = all, empty = push nothing); push_interval_ms is the
 * shortest interval of the matching subscriptions (5 min without one); accepted compression
 * types zstd, lz4, gzip, snappy; telemetry_max_bytes from the settings. Cumulative values are
 * asked for (delta_temporality false: Prometheus counters are cumulative; Kafka asks for
 * deltas for its plugins). Asked again within the push interval: THROTTLING_QUOTA_EXCEEDED,
 * unless the subscriptions changed since.
 */
import { Controller, Inject } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../../config/settings.js';
import { ACCEPTED_COMPRESSION_TYPES, ClientMetrics } from '../../telemetry/client-metrics.service.js';
import {
  GetTelemetrySubscriptionsApi,
  type GetTelemetrySubscriptionsRequest,
  type GetTelemetrySubscriptionsResponse,
} from '../../wire/messages/71-get-telemetry-subscriptions.js';
import { telemetryClient } from '../telemetry-client.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class GetTelemetrySubscriptionsHandler {
  constructor(
    private readonly telemetry: ClientMetrics,
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
  ) {}

  @KafkaApi(GetTelemetrySubscriptionsApi, { min: 0, max: 0 })
  async getTelemetrySubscriptions(request: KafkaRequest<GetTelemetrySubscriptionsRequest>): Promise<GetTelemetrySubscriptionsResponse> {
    const answer = this.telemetry.getSubscriptions(request.body.clientInstanceId, telemetryClient(request));
    return {
      throttleTimeMs: 0,
      errorCode: answer.errorCode,
      clientInstanceId: answer.instanceId,
      subscriptionId: answer.subscriptionId,
      acceptedCompressionTypes: [...ACCEPTED_COMPRESSION_TYPES],
      pushIntervalMs: answer.pushIntervalMs,
      telemetryMaxBytes: this.config.telemetryMaxBytes,
      deltaTemporality: false,
      requestedMetrics: [...answer.requestedMetrics],
    };
  }
}
