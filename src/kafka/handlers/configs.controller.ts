/**
 * AlterConfigs (key 33) 0-2 and IncrementalAlterConfigs (key 44) 0-1: topic configs at run
 * time (the ones DescribeConfigs shows; values are checked as CreateTopics checks them).
 * AlterConfigs replaces the topic's whole set of overrides: a config not named returns to
 * its default (a null value counts as not named), as Kafka's legacy API does.
 * IncrementalAlterConfigs changes only what it names: SET (0), DELETE (1, back to the
 * default), APPEND (2) and SUBTRACT (3) for list configs (cleanup.policy); naming a config
 * twice in one resource is INVALID_REQUEST.
 * Only topics (resource type 2) can be altered: Blink's broker configs (type 4) are its
 * settings, fixed at boot (INVALID_REQUEST). validate_only checks and changes nothing.
 * Changes apply from the next retention sweep, segment roll or produce. In durable mode the
 * answer waits until the topic metadata is on disk (else KAFKA_STORAGE_ERROR).
 * v1 (both APIs) changes nothing on the wire here; v2 of AlterConfigs and v1 of
 * IncrementalAlterConfigs are flexible.
 */
import { Controller } from '@nestjs/common';
import { isKnownTopicConfig, isListConfig, validateTopicConfig } from '../../storage/topic-config.js';
import { TopicRegistry, type Topic } from '../../storage/topic-registry.js';
import { ErrorCode, type ErrorCodeValue } from '../../wire/error-codes.js';
import {
  AlterConfigsApi,
  type AlterConfigsRequest,
  type AlterConfigsRequestAlterConfigsResource,
  type AlterConfigsResponse,
} from '../../wire/messages/33-alter-configs.js';
import {
  IncrementalAlterConfigsApi,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsRequestAlterConfigsResource,
  type IncrementalAlterConfigsResponse,
} from '../../wire/messages/44-incremental-alter-configs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;

const enum AlterOperation {
  Set = 0,
  Delete = 1,
  Append = 2,
  Subtract = 3,
}

interface ResourceResult {
  errorCode: ErrorCodeValue;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/** The overrides a request asks for, or why it cannot have them. */
type Outcome = { overrides: Map<string, string> } | { errorCode: ErrorCodeValue; errorMessage: string };

@Controller()
export class ConfigsController {
  constructor(private readonly topics: TopicRegistry) {}

  @KafkaApi(AlterConfigsApi, { min: 0, max: 2 })
  async alterConfigs({ body }: KafkaRequest<AlterConfigsRequest>): Promise<AlterConfigsResponse> {
    const responses = body.resources.map((resource) =>
      this.alter(resource.resourceType, resource.resourceName, body.validateOnly, () => this.replacement(resource)),
    );
    return { throttleTimeMs: 0, responses: await Promise.all(responses) };
  }

  @KafkaApi(IncrementalAlterConfigsApi, { min: 0, max: 1 })
  async incrementalAlterConfigs({ body }: KafkaRequest<IncrementalAlterConfigsRequest>): Promise<IncrementalAlterConfigsResponse> {
    const responses = body.resources.map((resource) =>
      this.alter(resource.resourceType, resource.resourceName, body.validateOnly, (topic) => this.increment(topic, resource)),
    );
    return { throttleTimeMs: 0, responses: await Promise.all(responses) };
  }

  private async alter(resourceType: number, resourceName: string, validateOnly: boolean, plan: (topic: Topic) => Outcome): Promise<ResourceResult> {
    const base = { resourceType, resourceName };
    if (resourceType === RESOURCE_BROKER) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'broker configs are Blink settings (settings.yaml, environment), fixed at boot' };
    }
    if (resourceType !== RESOURCE_TOPIC) {
      return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${resourceType} cannot be altered (2 = topic)` };
    }
    const topic = this.topics.get(resourceName);
    if (topic === undefined) {
      return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic '${resourceName}' does not exist` };
    }
    const outcome = plan(topic);
    if ('errorCode' in outcome) return { ...base, ...outcome };
    if (validateOnly) return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    this.topics.replaceOverrides(topic, outcome.overrides);
    try {
      await this.topics.whenPersisted(topic.name);
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
    } catch (error) {
      return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `topic configs could not be saved: ${(error as Error).message}` };
    }
  }

  private replacement(resource: AlterConfigsRequestAlterConfigsResource): Outcome {
    const overrides = new Map<string, string>();
    for (const { name, value } of resource.configs) {
      if (value === null) continue;
      const problem = validateTopicConfig(name, value);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
      overrides.set(name, value);
    }
    return { overrides };
  }

  private increment(topic: Topic, resource: IncrementalAlterConfigsRequestAlterConfigsResource): Outcome {
    const overrides = new Map([...topic.overrides].map((name) => [name, topic.configs.get(name) ?? '']));
    const named = new Set<string>();
    for (const { name, configOperation, value } of resource.configs) {
      if (named.has(name)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `config '${name}' is named more than once` };
      named.add(name);
      const next = this.applyOperation(topic, name, configOperation, value);
      if (typeof next !== 'string' && next !== null) return next;
      if (next === null) {
        overrides.delete(name);
        continue;
      }
      const problem = validateTopicConfig(name, next);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
      overrides.set(name, next);
    }
    return { overrides };
  }

  /** The config's new value, null to return it to its default, or an error. */
  private applyOperation(topic: Topic, name: string, operation: number, value: string | null): string | null | { errorCode: ErrorCodeValue; errorMessage: string } {
    switch (operation) {
      case AlterOperation.Set:
        return value ?? '';
      case AlterOperation.Delete:
        return isKnownTopicConfig(name) ? null : { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `unknown topic config '${name}'` };
      case AlterOperation.Append:
      case AlterOperation.Subtract: {
        if (!isListConfig(name)) {
          return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `config '${name}' is not a list: APPEND and SUBTRACT apply to list configs only` };
        }
        const current = (topic.configs.get(name) ?? '').split(',').filter((item) => item !== '');
        const items = (value ?? '').split(',').filter((item) => item !== '');
        const result = operation === AlterOperation.Append ? [...current, ...items.filter((item) => !current.includes(item))] : current.filter((item) => !items.includes(item));
        return result.join(',');
      }
      default:
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown config operation ${operation} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)` };
    }
  }
}
