/**
 * Consumer groups for the REST API, through the coordinator and offset manager the Kafka
 * APIs use: list, describe (members, their assignments, committed offsets and lag), reset
 * committed offsets, delete. Lag is the partition's high watermark minus the committed
 * offset (never below 0). Offsets are reset as `kafka-consumer-groups --reset-offsets`
 * does: only while the group is Empty, through an OffsetCommit with no member (generation
 * -1), which the coordinator accepts only for an Empty group.
 */
import { BadRequestException, ConflictException, Injectable, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import type { ConsumerGroup } from '../../groups/consumer-group.js';
import { assignedPartitions } from '../../groups/consumer-protocol.js';
import { GroupCoordinator } from '../../groups/group-coordinator.js';
import { OffsetManager } from '../../groups/offset-manager.js';
import { UNKNOWN_MEMBER_ID } from '../../groups/group-member.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import { offsetForTimestamp } from '../../storage/timestamp-index.js';
import { isRefusal } from '../../topics/refusal.js';
import { TopicsService } from '../../topics/topics.service.js';
import type { DeletedGroupDto, GroupDetailDto, GroupOffsetDto, GroupSummaryDto, ResetOffsetDto, ResetOffsetsAnswerDto, ResetOffsetsDto } from '../dto/groups.dto.js';
import { orThrow } from '../http/refusals.js';

/** No member, no generation: an admin commit (Kafka's AdminClient.alterConsumerGroupOffsets). */
const NO_GENERATION = -1;
const NO_LEADER_EPOCH = -1;
const BROKER_RETENTION = -1;

@Injectable()
export class GroupAdmin {
  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly offsets: OffsetManager,
    private readonly topics: TopicsService,
  ) {}

  list(): GroupSummaryDto[] {
    return this.coordinator
      .allGroups()
      .sort((a, b) => a.groupId.localeCompare(b.groupId))
      .map((group) => ({
        groupId: group.groupId,
        state: group.state,
        protocolType: group.protocolType ?? '',
        members: group.size,
        totalLag: totalLag(this.committed(group.groupId)),
      }));
  }

  describe(groupId: string): GroupDetailDto {
    const group = this.requireGroup(groupId);
    const summary = group.summary();
    const offsets = this.committed(groupId);
    return {
      groupId,
      state: summary.state,
      protocolType: summary.protocolType,
      protocol: summary.protocolData,
      generationId: group.generationId,
      members: summary.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: assignedPartitions(m.assignment) ?? [],
      })),
      offsets,
      totalLag: totalLag(offsets),
    };
  }

  async resetOffsets(groupId: string, request: ResetOffsetsDto): Promise<ResetOffsetsAnswerDto> {
    const group = this.requireGroup(groupId);
    this.requireEmpty(group);
    const previous = new Map(this.committed(groupId).map((o) => [`${o.topic}\u0000${o.partition}`, o.committedOffset]));
    const topicNames = request.topics ?? [...new Set(this.committed(groupId).map((o) => o.topic))];
    if (topicNames.length === 0) throw new BadRequestException(`group '${groupId}' has no committed offsets: name the topics to reset`);
    const targets: ResetOffsetDto[] = [];
    for (const name of topicNames) {
      for (const log of orThrow(this.topics.find(name)).partitions) {
        targets.push({ topic: name, partition: log.partition, previousOffset: previous.get(`${name}\u0000${log.partition}`) ?? null, offset: await this.target(log, request) });
      }
    }
    this.commit(group, targets);
    return { groupId, to: request.to, offsets: targets };
  }

  delete(groupId: string): DeletedGroupDto {
    const [result] = this.coordinator.deleteGroups([groupId]);
    if (result.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw new NotFoundException(`consumer group '${groupId}' does not exist`);
    if (result.errorCode === ErrorCode.NON_EMPTY_GROUP) this.requireEmpty(this.requireGroup(groupId));
    if (result.errorCode !== ErrorCode.NONE) throw new InternalServerErrorException(`deleting group '${groupId}' failed with Kafka error ${result.errorCode}`);
    return { groupId, deleted: true };
  }

  private requireGroup(groupId: string): ConsumerGroup {
    const group = this.coordinator.group(groupId);
    if (group === undefined) throw new NotFoundException(`consumer group '${groupId}' does not exist`);
    return group;
  }

  private requireEmpty(group: ConsumerGroup): void {
    if (group.state === 'Empty') return;
    throw new ConflictException(`consumer group '${group.groupId}' is ${group.state} with ${group.size} member(s): stop its consumers first (only an Empty group can be changed)`);
  }

  private committed(groupId: string): GroupOffsetDto[] {
    return this.offsets.fetch(groupId, null).flatMap((topic) =>
      topic.partitions.map((p) => {
        const found = this.topics.findPartition(topic.name, p.partitionIndex);
        const log = isRefusal(found) ? undefined : found;
        return {
          topic: topic.name,
          partition: p.partitionIndex,
          committedOffset: p.committedOffset,
          highWatermark: log?.highWatermark ?? null,
          lag: log === undefined ? null : Math.max(0, log.highWatermark - p.committedOffset),
          metadata: p.metadata,
        };
      }),
    ).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  /** earliest: the log start; latest: the high watermark; timestamp: the first record at or after it, else the high watermark. */
  private async target(log: PartitionLog, request: ResetOffsetsDto): Promise<number> {
    if (request.to === 'earliest') return log.logStartOffset;
    if (request.to === 'latest') return log.highWatermark;
    const found = await offsetForTimestamp(log, request.timestamp ?? 0);
    return found.offset < 0 ? log.highWatermark : found.offset;
  }

  private commit(group: ConsumerGroup, targets: readonly ResetOffsetDto[]): void {
    const byTopic = new Map<string, ResetOffsetDto[]>();
    for (const target of targets) byTopic.set(target.topic, [...(byTopic.get(target.topic) ?? []), target]);
    const results = this.offsets.commit({
      groupId: group.groupId,
      memberId: UNKNOWN_MEMBER_ID,
      groupInstanceId: null,
      generationId: NO_GENERATION,
      retentionTimeMs: BROKER_RETENTION,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: NO_LEADER_EPOCH, committedMetadata: null })),
      })),
    });
    const failed = results.flatMap((t) => t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => ({ topic: t.name, ...p })));
    if (failed.length === 0) return;
    // A member joined between the state check and the commit.
    if (failed.some((f) => f.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || f.errorCode === ErrorCode.REBALANCE_IN_PROGRESS)) this.requireEmpty(group);
    throw new InternalServerErrorException(`committing the reset failed: ${failed.map((f) => `${f.topic}-${f.partitionIndex}: Kafka error ${f.errorCode}`).join(', ')}`);
  }
}

function totalLag(offsets: readonly GroupOffsetDto[]): number | null {
  const known = offsets.filter((o) => o.lag !== null);
  return known.length === 0 ? null : known.reduce((sum, o) => sum + (o.lag ?? 0), 0);
}
