/**
 * PushTelemetry (key 72), version 0 (KIP-714).
 * A client's metrics (OTLP MetricsData, compressed with the type it names) for its current
 * subscription, decoded into Prometheus series (ClientMetrics). Errors as Kafka's:
 * INVALID_REQUEST (zero or reserved instance id, or a push after a terminating one),
 * THROTTLING_QUOTA_EXCEEDED (before the push interval), UNKNOWN_SUBSCRIPTION_ID (the
 * subscription changed: the client asks again), UNSUPPORTED_COMPRESSION_TYPE,
 * TELEMETRY_TOO_LARGE (over telemetry_max_bytes), INVALID_RECORD (not decodable).
 */
import { Controller } from '@nestjs/common';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { PushTelemetryApi, type PushTelemetryRequest, type PushTelemetryResponse } from '../../wire/messages/72-push-telemetry.js';
import { telemetryClient } from '../telemetry-client.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class PushTelemetryHandler {
  constructor(private readonly telemetry: ClientMetrics) {}

  @KafkaApi(PushTelemetryApi, { min: 0, max: 0 })
  async pushTelemetry(request: KafkaRequest<PushTelemetryRequest>): Promise<PushTelemetryResponse> {
    const { body } = request;
    const push = { instanceId: body.clientInstanceId, subscriptionId: body.subscriptionId, terminating: body.terminating, compressionType: body.compressionType, metrics: body.metrics };
    const { errorCode } = await this.telemetry.push(push, telemetryClient(request));
    return { throttleTimeMs: 0, errorCode };
  }
}
