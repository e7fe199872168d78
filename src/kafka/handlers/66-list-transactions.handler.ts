/**
 * ListTransactions (key 66), versions 0-1 (KIP-664, `kafka-transactions.sh list`).
 * Authorization: only the transactional ids the caller may Describe are listed.
 * The transactional ids the TransactionCoordinator knows, each with its producer id and
 * state, filtered by state names (unknown names are listed back in unknown_state_filters)
 * and producer ids; v1 (KIP-994): duration_filter, only transactions running longer than
 * that many milliseconds (-1: all).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ListTransactionsApi, type ListTransactionsRequest, type ListTransactionsResponse } from '../../wire/messages/66-list-transactions.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

@Controller()
export class ListTransactionsHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(ListTransactionsApi, { min: 0, max: 1 })
  async listTransactions(request: KafkaRequest<ListTransactionsRequest>): Promise<ListTransactionsResponse> {
    const { header, body } = request;
    const durationMs = header.apiVersion >= 1 ? body.durationFilter : -1;
    const listing = this.coordinator.list(body.stateFilters, body.producerIdFilters, durationMs);
    const describable = listing.transactions.filter((txn) => authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, txn.transactionalId));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters: listing.unknownStateFilters, transactionStates: describable };
  }
}
