/**
 * AddOffsetsToTxn (key 25), versions 0-4.
 * Adds a consumer group to the producer's transaction (sendOffsetsToTransaction), which
 * begins it if it was at rest, so that TxnOffsetCommit may then stage the group's offsets.
 * Errors as AddPartitionsToTxn's: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (v2+; before:
 * INVALID_PRODUCER_EPOCH), CONCURRENT_TRANSACTIONS. v3+: flexible.
 */
import { Controller } from '@nestjs/common';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { AddOffsetsToTxnApi, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse } from '../../wire/messages/25-add-offsets-to-txn.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { fencedFor } from './transaction-errors.js';

const PRODUCER_FENCED_VERSION = 2;

@Controller()
export class AddOffsetsToTxnHandler {
  constructor(private readonly coordinator: TransactionCoordinator) {}

  @KafkaApi(AddOffsetsToTxnApi, { min: 0, max: 4 })
  async addOffsetsToTxn({ header, body }: KafkaRequest<AddOffsetsToTxnRequest>): Promise<AddOffsetsToTxnResponse> {
    const errorCode = this.coordinator.addOffsets(body.transactionalId, body.producerId, body.producerEpoch, body.groupId);
    return { throttleTimeMs: 0, errorCode: fencedFor(header.apiVersion, PRODUCER_FENCED_VERSION, errorCode) };
  }
}
