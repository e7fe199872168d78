/**
 * AlterConfigs (key 33), versions 0-2.
 * Authorization: AlterConfigs on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for the
 * broker, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Replaces a topic's whole set of config overrides through the ConfigsService: a config not
 * named (or named with a null value) returns to its default, as Kafka's legacy API does;
 * values are checked as CreateTopics checks them (INVALID_CONFIG). Only topics (resource
 * type 2) can be altered: broker configs (type 4) are Blink's settings, fixed at boot
 * (INVALID_REQUEST). Client metrics subscriptions (type 16, KIP-714) get exactly the configs
 * named (ClientMetrics), with Kafka's checks. validate_only checks and changes nothing. Durable mode answers once
 * the topic metadata is on disk (else KAFKA_STORAGE_ERROR).
 * v1: no change on the wire; v2: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ConfigsService } from '../../topics/configs.service.js';
import { CLIENT_METRICS_RESOURCE } from '../../telemetry/client-metrics-config.js';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { AlterConfigsApi, type AlterConfigsRequest, type AlterConfigsResponse } from '../../wire/messages/33-alter-configs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { configRefusal } from '../transport/kafka-session.js';

@Controller()
export class AlterConfigsHandler {
  constructor(
    private readonly configs: ConfigsService,
    private readonly telemetry: ClientMetrics,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AlterConfigsApi, { min: 0, max: 2 })
  async alterConfigs(request: KafkaRequest<AlterConfigsRequest>): Promise<AlterConfigsResponse> {
    const { body } = request;
    const responses = body.resources.map(async ({ resourceType, resourceName, configs }) => {
      const denied = configRefusal(this.authorizer, request, AclOperation.ALTER_CONFIGS, { resourceType, resourceName });
      if (denied !== null) return { resourceType, resourceName, ...denied };
      const refused =
        resourceType === CLIENT_METRICS_RESOURCE
          ? await this.telemetry.replace(resourceName, new Map(configs.flatMap(({ name, value }) => (value === null ? [] : [[name, value] as const]))), body.validateOnly)
          : await this.configs.replace({ resourceType, resourceName }, configs, body.validateOnly);
      return { resourceType, resourceName, errorCode: refused?.errorCode ?? ErrorCode.NONE, errorMessage: refused?.errorMessage ?? null };
    });
    return { throttleTimeMs: 0, responses: await Promise.all(responses) };
  }
}
