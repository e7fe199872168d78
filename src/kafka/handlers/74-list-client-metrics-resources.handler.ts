/**
 * ListClientMetricsResources (key 74), version 0 (KIP-714).
 * Authorization: DescribeConfigs on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * The names of the CLIENT_METRICS config resources (client telemetry subscriptions) that
 * exist (ClientMetrics), as kafka-client-metrics --list shows them.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  ListClientMetricsResourcesApi,
  type ListClientMetricsResourcesRequest,
  type ListClientMetricsResourcesResponse,
} from '../../wire/messages/74-list-client-metrics-resources.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class ListClientMetricsResourcesHandler {
  constructor(
    private readonly telemetry: ClientMetrics,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ListClientMetricsResourcesApi, { min: 0, max: 0 })
  async listClientMetricsResources(request: KafkaRequest<ListClientMetricsResourcesRequest>): Promise<ListClientMetricsResourcesResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.DESCRIBE_CONFIGS, ListClientMetricsResourcesApi);
    if (refused !== null) return refused;
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, clientMetricsResources: this.telemetry.names().map((name) => ({ name })) };
  }
}
