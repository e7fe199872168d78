/**
 * DescribeTransactions (key 65), version 0 (KIP-664, `kafka-transactions.sh describe`).
 * Authorization: Describe on each transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 * Each transactional id's state from the TransactionCoordinator: state name as Kafka's
 * ("Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"),
 * timeout, start time (-1 before the first transaction), producer id and epoch, and the
 * partitions of the current transaction (a group added by AddOffsetsToTxn shows as
 * __consumer_offsets partition 0). Unknown id: TRANSACTIONAL_ID_NOT_FOUND; empty id:
 * INVALID_REQUEST.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import {
  DescribeTransactionsApi,
  type DescribeTransactionsRequest,
  type DescribeTransactionsResponse,
} from '../../wire/messages/65-describe-transactions.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class DescribeTransactionsHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeTransactionsApi, { min: 0, max: 0 })
  async describeTransactions(request: KafkaRequest<DescribeTransactionsRequest>): Promise<DescribeTransactionsResponse> {
    return {
      throttleTimeMs: 0,
      transactionStates: request.body.transactionalIds.map((id) => {
        if (!authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
          return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
        }
        const txn = this.coordinator.describe(id);
        return {
          errorCode: txn.errorCode,
          transactionalId: id,
          transactionState: txn.state,
          transactionTimeoutMs: txn.timeoutMs,
          transactionStartTimeMs: txn.startTimeMs,
          producerId: txn.producerId,
          producerEpoch: txn.producerEpoch,
          topics: txn.topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
        };
      }),
    };
  }
}
