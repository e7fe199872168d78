/**
 * AddOffsetsToTxn (key 25), versions 0-4.
 * Authorization: Write on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
 * and Read on the group (else GROUP_AUTHORIZATION_FAILED).
 * Adds a consumer group to the producer's transaction (sendOffsetsToTransaction), which
 * begins it if it was at rest, so that TxnOffsetCommit may then stage the group's offsets.
 * Errors as AddPartitionsToTxn's: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (v2+; before:
 * INVALID_PRODUCER_EPOCH), CONCURRENT_TRANSACTIONS. v3+: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { AddOffsetsToTxnApi, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse } from '../../wire/messages/25-add-offsets-to-txn.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { fencedFor } from './transaction-errors.js';

const PRODUCER_FENCED_VERSION = 2;

@Controller()
export class AddOffsetsToTxnHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AddOffsetsToTxnApi, { min: 0, max: 4 })
  async addOffsetsToTxn(request: KafkaRequest<AddOffsetsToTxnRequest>): Promise<AddOffsetsToTxnResponse> {
    const { header, body } = request;
    if (!authorized(this.authorizer, request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    if (!authorized(this.authorizer, request, AclOperation.READ, ResourceType.GROUP, body.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const errorCode = this.coordinator.addOffsets(body.transactionalId, body.producerId, body.producerEpoch, body.groupId);
    return { throttleTimeMs: 0, errorCode: fencedFor(header.apiVersion, PRODUCER_FENCED_VERSION, errorCode) };
  }
}
