/**
 * ListClientMetricsResources (key 74), version 0 (KIP-714).
 * The names of the CLIENT_METRICS config resources (client telemetry subscriptions) that
 * exist (ClientMetrics), as kafka-client-metrics --list shows them.
 */
import { Controller } from '@nestjs/common';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListClientMetricsResourcesApi,
  type ListClientMetricsResourcesRequest,
  type ListClientMetricsResourcesResponse,
} from '../../wire/messages/74-list-client-metrics-resources.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class ListClientMetricsResourcesHandler {
  constructor(private readonly telemetry: ClientMetrics) {}

  @KafkaApi(ListClientMetricsResourcesApi, { min: 0, max: 0 })
  async listClientMetricsResources(_request: KafkaRequest<ListClientMetricsResourcesRequest>): Promise<ListClientMetricsResourcesResponse> {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, clientMetricsResources: this.telemetry.names().map((name) => ({ name })) };
  }
}
