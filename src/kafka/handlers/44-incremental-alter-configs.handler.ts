/**
 * IncrementalAlterConfigs (key 44), versions 0-1.
 * Authorization: AlterConfigs on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for the
 * broker, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Changes only the topic configs it names, through the ConfigsService: SET (0), DELETE (1,
 * back to the default), APPEND (2) and SUBTRACT (3) for list configs (cleanup.policy);
 * naming a config twice in one resource is INVALID_REQUEST, values are checked as
 * CreateTopics checks them (INVALID_CONFIG). Only topics (resource type 2) can be altered:
 * broker configs (type 4) are Blink's settings, fixed at boot (INVALID_REQUEST). Client
 * metrics subscriptions (type 16, KIP-714) are altered by ClientMetrics: metrics, interval.ms
 * and match, with Kafka's checks; a resource whose last config is deleted is gone.
 * validate_only checks and changes nothing. Durable mode answers once the topic metadata is
 * on disk (else KAFKA_STORAGE_ERROR).
 * v1: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ConfigsService } from '../../topics/configs.service.js';
import { CLIENT_METRICS_RESOURCE } from '../../telemetry/client-metrics-config.js';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  IncrementalAlterConfigsApi,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '../../wire/messages/44-incremental-alter-configs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { configRefusal } from '../transport/kafka-session.js';

@Controller()
export class IncrementalAlterConfigsHandler {
  constructor(
    private readonly configs: ConfigsService,
    private readonly telemetry: ClientMetrics,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(IncrementalAlterConfigsApi, { min: 0, max: 1 })
  async incrementalAlterConfigs(request: KafkaRequest<IncrementalAlterConfigsRequest>): Promise<IncrementalAlterConfigsResponse> {
    const { body } = request;
    const responses = body.resources.map(async ({ resourceType, resourceName, configs }) => {
      const denied = configRefusal(this.authorizer, request, AclOperation.ALTER_CONFIGS, { resourceType, resourceName });
      if (denied !== null) return { resourceType, resourceName, ...denied };
      const changes = configs.map(({ name, configOperation, value }) => ({ name, operation: configOperation, value }));
      const refused =
        resourceType === CLIENT_METRICS_RESOURCE
          ? await this.telemetry.increment(resourceName, changes, body.validateOnly)
          : await this.configs.increment({ resourceType, resourceName }, changes, body.validateOnly);
      return { resourceType, resourceName, errorCode: refused?.errorCode ?? ErrorCode.NONE, errorMessage: refused?.errorMessage ?? null };
    });
    return { throttleTimeMs: 0, responses: await Promise.all(responses) };
  }
}
