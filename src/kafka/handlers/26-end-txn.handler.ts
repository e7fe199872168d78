/**
 * EndTxn (key 26), versions 0-4.
 * Authorization: Write on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 * Commits or aborts the producer's ongoing transaction through the TransactionCoordinator:
 * answered once the COMMIT/ABORT markers are in every partition of the transaction (and, on
 * commit, its staged offsets reached their groups). A retried EndTxn of a transaction that
 * completed the same way is NONE; one that does not fit the state is INVALID_TXN_STATE;
 * CONCURRENT_TRANSACTIONS while the markers are being written; PRODUCER_FENCED (v2+;
 * before: INVALID_PRODUCER_EPOCH) for an old epoch, e.g. after the transaction timed out.
 * v3+: flexible. (v5, transactions v2, is not served: Kafka 3.9 does not either.)
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { EndTxnApi, type EndTxnRequest, type EndTxnResponse } from '../../wire/messages/26-end-txn.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { fencedFor } from './transaction-errors.js';

const PRODUCER_FENCED_VERSION = 2;

@Controller()
export class EndTxnHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(EndTxnApi, { min: 0, max: 4 })
  async endTxn(request: KafkaRequest<EndTxnRequest>): Promise<EndTxnResponse> {
    const { header, body } = request;
    if (!authorized(this.authorizer, request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    }
    const errorCode = await this.coordinator.endTransaction(body.transactionalId, body.producerId, body.producerEpoch, body.committed);
    return { throttleTimeMs: 0, errorCode: fencedFor(header.apiVersion, PRODUCER_FENCED_VERSION, errorCode) };
  }
}
