/**
 * OffsetCommit (key 8), versions 0-9.
 * Authorization: Read on the group (else every partition is GROUP_AUTHORIZATION_FAILED) and
 * Read on each topic (else its partitions are TOPIC_AUTHORIZATION_FAILED).
 * Commits consumer-group offsets through the OffsetManager. Served even with
 * enable_consumer_groups off: consumers that assign partitions themselves still commit
 * under a group id. Unknown topics get UNKNOWN_TOPIC_OR_PARTITION; a simple commit
 * (generation -1, no member id) is accepted only while the group has no members.
 * v0: no generation or member (a simple commit); v1: per-partition commit timestamp
 * (ignored: the broker's time is used); v2-4: retention time (an explicit one overrides
 * offsets retention); v3+: throttle time; v6+: leader epoch; v7+: group instance id;
 * v8: flexible; v9 (KIP-848): a consumer-protocol member commits with its member id and member
 * epoch (STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID; such a member committing below v9 gets
 * UNSUPPORTED_VERSION), and a member's commit for a group that does not exist is
 * GROUP_ID_NOT_FOUND (ILLEGAL_GENERATION below v9).
 * A simple commit that would create a group is held to the group table's bounds: a client
 * (client id + host) holding MAX_GROUPS_PER_CLIENT groups gets THROTTLING_QUOTA_EXCEEDED.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { OffsetManager } from '../../groups/offset-manager.js';
import { OffsetCommitApi, type OffsetCommitRequest, type OffsetCommitResponse } from '../../wire/messages/08-offset-commit.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { kafkaClientHost } from './11-join-group.handler.js';

@Controller()
export class OffsetCommitHandler {
  constructor(
    private readonly offsets: OffsetManager,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(OffsetCommitApi, { min: 0, max: 9 })
  async offsetCommit(request: KafkaRequest<OffsetCommitRequest>): Promise<OffsetCommitResponse> {
    const { header, body, clientHost } = request;
    const refuse = (errorCode: number, topic: OffsetCommitRequest['topics'][number]) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    });
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, topics: body.topics.map((topic) => refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED, topic)) };
    }
    const readable = new Set(body.topics.filter((topic) => authorized(this.authorizer, request, AclOperation.READ, ResourceType.TOPIC, topic.name)));
    const committed = this.offsets.commit({
      apiVersion: header.apiVersion,
      client: { clientId: header.clientId ?? '', clientHost: kafkaClientHost(clientHost) },
      groupId: body.groupId,
      generationId: body.generationIdOrMemberEpoch,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      retentionTimeMs: body.retentionTimeMs,
      topics: body.topics.filter((topic) => readable.has(topic)),
    }).values();
    const topics = body.topics.map((topic) => (readable.has(topic) ? committed.next().value! : refuse(ErrorCode.TOPIC_AUTHORIZATION_FAILED, topic)));
    return { throttleTimeMs: 0, topics };
  }
}
