/**
 * TxnOffsetCommit (key 28), versions 0-4.
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
import { TransactionalOffsets } from '../../txn/transactional-offsets.js';
import { TxnOffsetCommitApi, type TxnOffsetCommitRequest, type TxnOffsetCommitResponse } from '../../wire/messages/28-txn-offset-commit.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class TxnOffsetCommitHandler {
  constructor(private readonly offsets: TransactionalOffsets) {}

  @KafkaApi(TxnOffsetCommitApi, { min: 0, max: 4 })
  async txnOffsetCommit({ body }: KafkaRequest<TxnOffsetCommitRequest>): Promise<TxnOffsetCommitResponse> {
    const topics = this.offsets.commit({
      transactionalId: body.transactionalId,
      groupId: body.groupId,
      producerId: body.producerId,
      producerEpoch: body.producerEpoch,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId,
      topics: body.topics,
    });
    return { throttleTimeMs: 0, topics };
  }
}
