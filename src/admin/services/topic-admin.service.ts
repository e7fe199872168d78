/**
 * Topic administration for the REST API: the TopicsService's rules (the ones Kafka's
 * CreateTopics, CreatePartitions, DeleteTopics and DeleteRecords apply) with their refusals
 * as HTTP errors (admin/http/refusals.ts), and the topic views of the resource API. While
 * the WAL is being recovered at boot, changes are 503.
 */
import { Injectable } from '@nestjs/common';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import type { Topic } from '../../storage/topic-registry.js';
import { AlterOperation, ConfigResourceType, ConfigsService, topicConfigEntries } from '../../topics/configs.service.js';
import { TopicsService } from '../../topics/topics.service.js';
import type { AddPartitionsDto, AlterTopicConfigsDto, CreateTopicDto, DeletedRecordsDto, DeletedTopicDto, TopicDetailDto, TopicSummaryDto } from '../dto/topics.dto.js';
import { orThrow, refusalException } from '../http/refusals.js';
import { requireStorageReady } from './storage-ready.js';
import { partitionState, walBytes } from './partition-state.js';

@Injectable()
export class TopicAdmin {
  constructor(
    private readonly topics: TopicsService,
    private readonly recovery: StorageRecovery,
    private readonly configs: ConfigsService,
  ) {}

  list(): TopicSummaryDto[] {
    return this.topics.all().sort((a, b) => a.name.localeCompare(b.name)).map((topic) => ({
      name: topic.name,
      id: topic.id,
      partitionCount: topic.partitions.length,
      records: topic.partitions.reduce((sum, log) => sum + log.highWatermark - log.logStartOffset, 0),
      memoryBytes: topic.partitions.reduce((sum, log) => sum + log.storedBytes, 0),
      walBytes: topic.partitions.reduce((sum, log) => sum + walBytes(log), 0),
    }));
  }

  describe(name: string): TopicDetailDto {
    return this.detail(orThrow(this.topics.find(name)));
  }

  async create(request: CreateTopicDto): Promise<TopicDetailDto> {
    requireStorageReady(this.recovery.state);
    const spec = { name: request.name, partitionCount: request.partitions ?? -1, replicationFactor: -1, assignments: [], configs: Object.entries(request.configs ?? {}) };
    const created = orThrow(await this.topics.create(spec, false));
    return this.detail(created.topic!);
  }

  /** IncrementalAlterConfigs SET and DELETE, checked as Kafka checks them (a bad name or value is 400). */
  async alterConfigs(name: string, request: AlterTopicConfigsDto): Promise<TopicDetailDto> {
    requireStorageReady(this.recovery.state);
    const changes = [
      ...Object.entries(request.set ?? {}).map(([config, value]) => ({ name: config, value: String(value), operation: AlterOperation.SET })),
      ...(request.delete ?? []).map((config) => ({ name: config, value: null, operation: AlterOperation.DELETE })),
    ];
    const refused = await this.configs.increment({ resourceType: ConfigResourceType.TOPIC, resourceName: name }, changes, false);
    if (refused !== null) throw refusalException(refused);
    return this.describe(name);
  }

  async addPartitions(name: string, request: AddPartitionsDto): Promise<TopicDetailDto> {
    requireStorageReady(this.recovery.state);
    return this.detail(orThrow(await this.topics.createPartitions(name, request.count, false)));
  }

  async delete(name: string): Promise<DeletedTopicDto> {
    requireStorageReady(this.recovery.state);
    const refused = await this.topics.delete(name);
    if (refused !== null) throw refusalException(refused);
    return { name, deleted: true };
  }

  deleteRecords(name: string, partition: number, beforeOffset: number): DeletedRecordsDto {
    requireStorageReady(this.recovery.state);
    const log = orThrow(this.topics.findPartition(name, partition));
    const deleted = orThrow(this.topics.deleteRecords(log, beforeOffset));
    return { topic: name, partition, logStartOffset: deleted.lowWatermark, purgedRecords: deleted.purgedRecords };
  }

  private detail(topic: Topic): TopicDetailDto {
    return {
      name: topic.name,
      id: topic.id,
      partitions: topic.partitions.map(partitionState),
      configs: topicConfigEntries(topic).map(({ name, value, source }) => ({ name, value, source: source === 'topic' ? 'topic' : 'default' })),
    };
  }
}
