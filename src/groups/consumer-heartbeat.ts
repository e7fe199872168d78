/**
 * A ConsumerGroupHeartbeat as the coordinator sees it, its answer, and the request checks Kafka
 * makes before looking at the group (GroupMetadataManager.throwIfConsumerGroupHeartbeatRequestIsInvalid),
 * with Kafka's messages:
 *
 * - INVALID_REQUEST: empty group id, instance id or rack id; no member id where one is needed
 *   (v1+: always, the client generates it — KIP-1082); a join (epoch 0) without rebalance
 *   timeout, with owned partitions, or without a subscription; a static leave (-2) without an
 *   instance id; an epoch below -2.
 * - UNSUPPORTED_ASSIGNOR: a ServerAssignor the broker does not have.
 * - INVALID_REGULAR_EXPRESSION (v1+): a SubscribedTopicRegex that RE2/J syntax rejects.
 */
import { RE2JS } from 're2js';
import { ErrorCode } from '../wire/error-codes.js';
import { GroupError } from './group-error.js';
import { LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, type MemberUpdate } from './modern-member.js';
import type { TopicPartitionSet, WireTopicPartitions } from './topic-partitions.js';

/** v1 (Kafka 4.0): the member id comes from the client, a regex may subscribe. */
export const CLIENT_MEMBER_ID_VERSION = 1;

export interface ConsumerHeartbeat extends MemberUpdate {
  readonly apiVersion: number;
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  /** The partitions the member owns; null = unchanged since its last heartbeat. */
  readonly ownedPartitions: readonly WireTopicPartitions[] | null;
}

export interface HeartbeatAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  /** The partitions the member may consume; null = unchanged, not sent. */
  readonly assignment: TopicPartitionSet | null;
}

export function errorAnswer(error: GroupError): HeartbeatAnswer {
  return { errorCode: error.code, errorMessage: error.message, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

const invalid = (message: string): GroupError => new GroupError(ErrorCode.INVALID_REQUEST, message);

function throwIfEmpty(value: string | null, message: string): void {
  if (value === '') throw invalid(message);
}

export function validateHeartbeat(request: ConsumerHeartbeat, assignors: ReadonlyMap<string, unknown>): void {
  throwIfEmpty(request.groupId, "GroupId can't be empty.");
  throwIfEmpty(request.instanceId, "InstanceId can't be empty.");
  throwIfEmpty(request.rackId, "RackId can't be empty.");
  const epoch = request.memberEpoch;
  if (request.apiVersion >= CLIENT_MEMBER_ID_VERSION || epoch > 0 || epoch === LEAVE_GROUP_MEMBER_EPOCH) {
    throwIfEmpty(request.memberId, "MemberId can't be empty.");
  }
  if (epoch === 0) validateJoin(request);
  else if (epoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    throwIfEmpty(request.memberId, "MemberId can't be empty.");
    if (request.instanceId === null) throw invalid("InstanceId can't be null.");
  } else if (epoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) throw invalid('MemberEpoch is invalid.');
  if (request.serverAssignor !== null && !assignors.has(request.serverAssignor)) {
    const supported = [...assignors.keys()].join(', ');
    throw new GroupError(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${supported}.`);
  }
  if (request.subscribedTopicRegex !== null && request.subscribedTopicRegex !== '') compileTopicRegex(request.subscribedTopicRegex);
}

function validateJoin(request: ConsumerHeartbeat): void {
  if (request.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
  if (request.ownedPartitions === null || request.ownedPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
  if (request.apiVersion >= CLIENT_MEMBER_ID_VERSION) {
    if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
      throw invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
    }
  } else if (request.subscribedTopicNames === null || request.subscribedTopicNames.length === 0) {
    throw invalid('SubscribedTopicNames must be set in first request.');
  }
}

/** The regex as Kafka 4.0 reads it: RE2/J syntax, matching whole topic names, in linear time. */
export function compileTopicRegex(regex: string): RE2JS {
  try {
    return RE2JS.compile(regex);
  } catch (error) {
    throw new GroupError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression: ${(error as Error).message}.`);
  }
}
