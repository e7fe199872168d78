/**
 * DescribeConfigs (key 32), versions 0-4.
 * Authorization: DescribeConfigs on the topic (else TOPIC_AUTHORIZATION_FAILED) or, for the
 * broker, on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Topics (resource type 2: every topic config, set on the topic or the default) and this
 * broker (type 4, name "" or "1": its settings that Kafka clients ask about, read-only),
 * from the ConfigsService; configuration_keys null = all. An unknown topic is
 * UNKNOWN_TOPIC_OR_PARTITION, another broker or resource type INVALID_REQUEST. Client
 * metrics subscriptions (type 16, KIP-714: ClientMetrics): the configs set on the resource,
 * source CLIENT_METRICS_CONFIG (7); none for a name that does not exist, as Kafka answers.
 * v0: is_default; v1+: config source (1 topic, 4 static broker, 5 default) and synonyms
 * (none); v3+: config type, documentation (null); v4: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ConfigResourceType, ConfigsService, type ConfigSource } from '../../topics/configs.service.js';
import { isRefusal } from '../../topics/refusal.js';
import { CLIENT_METRICS_RESOURCE, CONFIG_TYPES } from '../../telemetry/client-metrics-config.js';
import { ClientMetrics } from '../../telemetry/client-metrics.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeConfigsApi,
  type DescribeConfigsRequest,
  type DescribeConfigsRequestDescribeConfigsResource,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../wire/messages/32-describe-configs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { configRefusal } from '../transport/kafka-session.js';

/** Kafka's DescribeConfigs config_source values. */
const KAFKA_CONFIG_SOURCES: Readonly<Record<ConfigSource, number>> = { topic: 1, broker: 4, default: 5 };
/** Kafka's ConfigSource.CLIENT_METRICS_CONFIG. */
const CLIENT_METRICS_CONFIG_SOURCE = 7;

/** The config_source a Kafka client reads (DescribeConfigs v1+, CreateTopics v5+). */
export function kafkaConfigSource(source: ConfigSource): number {
  return KAFKA_CONFIG_SOURCES[source];
}

@Controller()
export class DescribeConfigsHandler {
  constructor(
    private readonly configs: ConfigsService,
    private readonly telemetry: ClientMetrics,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeConfigsApi, { min: 0, max: 4 })
  async describeConfigs(request: KafkaRequest<DescribeConfigsRequest>): Promise<DescribeConfigsResponse> {
    return { throttleTimeMs: 0, results: request.body.resources.map((resource) => this.describeResource(request, resource)) };
  }

  private describeResource(request: KafkaRequest<unknown>, resource: DescribeConfigsRequestDescribeConfigsResource): DescribeConfigsResponseDescribeConfigsResult {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    const refused = configRefusal(this.authorizer, request, AclOperation.DESCRIBE_CONFIGS, resource);
    if (refused !== null) return { ...base, ...refused, configs: [] };
    if (resource.resourceType === CLIENT_METRICS_RESOURCE) return this.describeClientMetrics(resource);
    const entries = this.configs.describe(resource, resource.configurationKeys);
    if (isRefusal(entries)) return { ...base, errorCode: entries.errorCode, errorMessage: entries.errorMessage, configs: [] };
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: entries.map(({ name, value, source, type }) => ({
        name,
        value,
        readOnly: resource.resourceType === ConfigResourceType.BROKER,
        isDefault: source === 'default',
        configSource: kafkaConfigSource(source),
        isSensitive: false,
        synonyms: [],
        configType: type,
        documentation: null,
      })),
    };
  }

  private describeClientMetrics(resource: DescribeConfigsRequestDescribeConfigsResource): DescribeConfigsResponseDescribeConfigsResult {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    const configs = this.telemetry.configsOf(resource.resourceName);
    if ('errorCode' in configs) return { ...base, errorCode: configs.errorCode, errorMessage: configs.errorMessage, configs: [] };
    const wanted = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      configs: [...configs]
        .filter(([name]) => wanted === null || wanted.has(name))
        .map(([name, value]) => ({
          name,
          value,
          readOnly: false,
          isDefault: false,
          configSource: CLIENT_METRICS_CONFIG_SOURCE,
          isSensitive: false,
          synonyms: [],
          configType: CONFIG_TYPES[name] ?? 0,
          documentation: null,
        })),
    };
  }
}
