/**
 * The checks every REST route that names a topic or partition makes, as HTTP errors:
 * an unknown topic is 404, a partition the topic does not have is 400 (the request is
 * wrong, not the resource missing), and while the WAL is still being recovered at boot,
 * anything touching storage is 503.
 */
import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { Topic, TopicRegistry } from '../../storage/topic-registry.js';
import type { RecoveryState } from '../../recovery/storage-recovery.js';

export function requireTopic(topics: TopicRegistry, name: string): Topic {
  const topic = topics.get(name);
  if (topic === undefined) throw new NotFoundException(`topic '${name}' does not exist`);
  return topic;
}

export function requirePartition(topic: Topic, partition: number): PartitionLog {
  const log = topic.partitions[partition];
  if (!Number.isInteger(partition) || log === undefined) {
    throw new BadRequestException(`topic '${topic.name}' has ${topic.partitions.length} partition(s), numbered 0..${topic.partitions.length - 1}: partition ${partition} does not exist`);
  }
  return log;
}

export function requireStorageReady(state: RecoveryState): void {
  if (state === 'done') return;
  throw new ServiceUnavailableException(state === 'failed' ? 'storage recovery failed: the broker cannot serve data' : 'storage is being recovered: try again shortly');
}
