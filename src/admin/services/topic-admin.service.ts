/**
 * Topic administration for the REST API, with the rules of the Kafka admin APIs
 * (CreateTopics, CreatePartitions, DeleteTopics, DescribeConfigs): legal names, 1..10000
 * partitions that only grow, topic configs checked like CreateTopics checks them. In
 * durable mode each change is answered once the topic metadata is on disk.
 */
import { BadRequestException, ConflictException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { validateTopicConfig } from '../../storage/topic-config.js';
import { MAX_PARTITIONS_PER_TOPIC, topicNameProblem, TopicRegistry, type Topic } from '../../storage/topic-registry.js';
import { StorageRecovery } from '../../recovery/storage-recovery.js';
import type { AddPartitionsDto, CreateTopicDto, DeletedRecordsDto, DeletedTopicDto, TopicDetailDto, TopicSummaryDto } from '../dto/topics.dto.js';
import { requirePartition, requireStorageReady, requireTopic } from './lookups.js';
import { partitionState, walBytes } from './partition-state.js';
import { StorageReport } from './storage-report.service.js';

@Injectable()
export class TopicAdmin {
  constructor(
    private readonly topics: TopicRegistry,
    private readonly recovery: StorageRecovery,
    private readonly storage: StorageReport,
  ) {}

  list(): TopicSummaryDto[] {
    return [...this.topics.all()].sort((a, b) => a.name.localeCompare(b.name)).map((topic) => ({
      name: topic.name,
      id: topic.id,
      partitionCount: topic.partitions.length,
      records: topic.partitions.reduce((sum, log) => sum + log.highWatermark - log.logStartOffset, 0),
      memoryBytes: topic.partitions.reduce((sum, log) => sum + log.storedBytes, 0),
      walBytes: topic.partitions.reduce((sum, log) => sum + walBytes(log), 0),
    }));
  }

  describe(name: string): TopicDetailDto {
    return this.detail(requireTopic(this.topics, name));
  }

  async create(request: CreateTopicDto): Promise<TopicDetailDto> {
    requireStorageReady(this.recovery.state);
    const nameProblem = topicNameProblem(request.name);
    if (nameProblem !== null) throw new BadRequestException(nameProblem);
    if (this.topics.get(request.name) !== undefined) throw new ConflictException(`topic '${request.name}' already exists`);
    const overrides = this.overrides(request.configs ?? {});
    const topic = this.topics.create(request.name, request.partitions ?? this.topics.defaultPartitions, overrides);
    await this.persisted(topic.name);
    return this.detail(topic);
  }

  async addPartitions(name: string, request: AddPartitionsDto): Promise<TopicDetailDto> {
    requireStorageReady(this.recovery.state);
    const topic = requireTopic(this.topics, name);
    if (request.count <= topic.partitions.length) {
      throw new BadRequestException(`topic '${name}' has ${topic.partitions.length} partitions; the new count must be larger (at most ${MAX_PARTITIONS_PER_TOPIC}), got ${request.count}`);
    }
    this.topics.addPartitions(topic, request.count);
    await this.persisted(name);
    return this.detail(topic);
  }

  async delete(name: string): Promise<DeletedTopicDto> {
    requireStorageReady(this.recovery.state);
    requireTopic(this.topics, name);
    this.topics.delete(name);
    await this.persisted(name);
    return { name, deleted: true };
  }

  deleteRecords(name: string, partition: number, beforeOffset: number): DeletedRecordsDto {
    return this.storage.deleteRecords(requirePartition(requireTopic(this.topics, name), partition), beforeOffset);
  }

  private detail(topic: Topic): TopicDetailDto {
    return {
      name: topic.name,
      id: topic.id,
      partitions: topic.partitions.map(partitionState),
      configs: [...topic.configs].map(([configName, value]) => ({ name: configName, value, source: topic.overrides.has(configName) ? 'topic' : 'default' })),
    };
  }

  private overrides(configs: Record<string, unknown>): Map<string, string> {
    const problems: string[] = [];
    const overrides = new Map<string, string>();
    for (const [configName, value] of Object.entries(configs)) {
      const problem = typeof value === 'string' ? validateTopicConfig(configName, value) : `topic config '${configName}' must be given as a string`;
      if (problem !== null) problems.push(problem);
      else overrides.set(configName, value as string);
    }
    if (problems.length > 0) throw new BadRequestException({ message: `invalid topic configs: ${problems.join('; ')}`, details: problems });
    return overrides;
  }

  /** Durable mode: the change is on disk before the answer (a failed write is 503, as Kafka answers KAFKA_STORAGE_ERROR). */
  private async persisted(name: string): Promise<void> {
    try {
      await this.topics.whenPersisted(name);
    } catch (error) {
      throw new ServiceUnavailableException(`topic metadata of '${name}' could not be saved: ${(error as Error).message}`);
    }
  }
}
