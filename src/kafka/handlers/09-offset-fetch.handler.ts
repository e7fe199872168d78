/**
 * OffsetFetch (key 9), versions 0-9.
 * Authorization: Describe on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic
 * (asked for by name: TOPIC_AUTHORIZATION_FAILED; all the group's topics: left out).
 * A consumer group's committed offsets, through the OffsetManager (served even with
 * enable_consumer_groups off, as OffsetCommit is). Offset -1 with error 0 where nothing is
 * committed. v2+: top-level error code, and null topics = every committed partition of the
 * group; v3+: throttle time; v5+: leader epoch; v6: flexible; v7: require_stable (KIP-447):
 * a partition with an offset staged in an unfinished transaction (TxnOffsetCommit) answers
 * UNSTABLE_OFFSET_COMMIT with offset -1, and the consumer asks again once the transaction
 * ended; v8+: several groups per request, each answered
 * with its own error code; v9 (KIP-848): a consumer-protocol member names itself (member id and
 * epoch) and gets UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH when it is not the current member;
 * classic groups ignore those fields.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { OffsetManager, type FetchedTopic } from '../../groups/offset-manager.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  OffsetFetchApi,
  type OffsetFetchRequest,
  type OffsetFetchRequestGroup,
  type OffsetFetchResponse,
  type OffsetFetchResponseGroup,
} from '../../wire/messages/09-offset-fetch.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

const FIRST_BATCHED_VERSION = 8;

@Controller()
export class OffsetFetchHandler {
  constructor(
    private readonly offsets: OffsetManager,
    private readonly transactions: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(OffsetFetchApi, { min: 0, max: 9 })
  async offsetFetch(request: KafkaRequest<OffsetFetchRequest>): Promise<OffsetFetchResponse> {
    const { header, body } = request;
    if (header.apiVersion >= FIRST_BATCHED_VERSION) return { throttleTimeMs: 0, groups: body.groups.map((g) => this.fetchGroup(request, g, body.requireStable)) };
    if (!this.mayDescribe(request, ResourceType.GROUP, body.groupId)) {
      // v0-1 carry the error per partition only, v2+ also at the top.
      const refused = (body.topics ?? []).map((topic) => refusedTopic(topic, ErrorCode.GROUP_AUTHORIZATION_FAILED));
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: refused };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: this.stable(body.groupId, this.fetchTopics(request, body.groupId, body.topics), body.requireStable) };
  }

  /**
   * Kafka's rule: topics asked for by name that the caller may not Describe answer
   * TOPIC_AUTHORIZATION_FAILED per partition; of all the group's topics (null) they are left out.
   */
  private fetchTopics(request: KafkaRequest<unknown>, groupId: string, topics: readonly RequestedTopic[] | null): FetchedTopic[] {
    const describable = (name: string) => this.mayDescribe(request, ResourceType.TOPIC, name);
    if (topics === null) return this.offsets.fetch(groupId, null).filter((topic) => describable(topic.name));
    const allowed = new Set(topics.filter((topic) => describable(topic.name)));
    const fetched = this.offsets.fetch(groupId, topics.filter((topic) => allowed.has(topic))).values();
    return topics.map((topic) => (allowed.has(topic) ? fetched.next().value! : refusedTopic(topic, ErrorCode.TOPIC_AUTHORIZATION_FAILED)));
  }

  private mayDescribe(request: KafkaRequest<unknown>, resourceType: number, name: string): boolean {
    return authorized(this.authorizer, request, AclOperation.DESCRIBE, resourceType, name);
  }

  /** With require_stable, partitions whose offset an unfinished transaction staged answer UNSTABLE_OFFSET_COMMIT. */
  private stable(groupId: string, topics: FetchedTopic[], requireStable: boolean): FetchedTopic[] {
    if (!requireStable) return topics;
    return topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) =>
        this.transactions.hasStagedOffset(groupId, topic.name, p.partitionIndex)
          ? { partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : p,
      ),
    }));
  }

  private fetchGroup(request: KafkaRequest<unknown>, group: OffsetFetchRequestGroup, requireStable: boolean): OffsetFetchResponseGroup {
    if (!this.mayDescribe(request, ResourceType.GROUP, group.groupId)) return { groupId: group.groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
    const errorCode = this.offsets.authorizeFetch({ groupId: group.groupId, memberId: group.memberId, memberEpoch: group.memberEpoch });
    if (errorCode !== ErrorCode.NONE) return { groupId: group.groupId, errorCode, topics: [] };
    return { groupId: group.groupId, errorCode, topics: this.stable(group.groupId, this.fetchTopics(request, group.groupId, group.topics), requireStable) };
  }
}

interface RequestedTopic {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

function refusedTopic(topic: RequestedTopic, errorCode: number): FetchedTopic {
  return {
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
  };
}
