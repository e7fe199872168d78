/**
 * TxnOffsetCommit (key 28), versions 0-4.
 * Authorization: Write on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
 * Read on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic (else
 * TOPIC_AUTHORIZATION_FAILED for its partitions).
 * Stages consumer-group offsets in the producer's transaction (TransactionalOffsets): the
 * group sees them only once the transaction commits. Per partition: NONE,
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH,
 * INVALID_TXN_STATE (the group was not added by AddOffsetsToTxn), CONCURRENT_TRANSACTIONS,
 * a membership error (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID) or
 * OFFSET_METADATA_TOO_LARGE.
 * v2+: committed leader epoch; v3+: flexible, and the member id, generation and group
 * instance id (KIP-447), checked against the group when sent.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { TransactionalOffsets } from '../../txn/transactional-offsets.js';
import { TxnOffsetCommitApi, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../../wire/messages/28-txn-offset-commit.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { kafkaClientHost } from './11-join-group.handler.js';

@Controller()
export class TxnOffsetCommitHandler {
  constructor(
    private readonly offsets: TransactionalOffsets,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(TxnOffsetCommitApi, { min: 0, max: 4 })
  async txnOffsetCommit(request: KafkaRequest<TxnOffsetCommitRequest>): Promise<TxnOffsetCommitResponse> {
    const { body } = request;
    if (!authorized(this.authorizer, request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return { throttleTimeMs: 0, ...TxnOffsetCommitApi.errorResponse(body, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
    }
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) {
      return { throttleTimeMs: 0, ...TxnOffsetCommitApi.errorResponse(body, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    }
    const readable = new Set(body.topics.filter((topic) => authorized(this.authorizer, request, AclOperation.READ, ResourceType.TOPIC, topic.name)));
    const refused = TxnOffsetCommitApi.errorResponse({ ...body, topics: body.topics.filter((topic) => !readable.has(topic)) }, ErrorCode.TOPIC_AUTHORIZATION_FAILED).topics ?? [];
    const committed = this.offsets.commit({
      client: { clientId: request.header.clientId ?? '', clientHost: kafkaClientHost(request.clientHost) },
      transactionalId: body.transactionalId,
      groupId: body.groupId,
      producerId: body.producerId,
      producerEpoch: body.producerEpoch,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      topics: body.topics.filter((topic) => readable.has(topic)),
    });
    return { throttleTimeMs: 0, topics: [...committed, ...refused] };
  }
}
