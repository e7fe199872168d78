/**
 * InitProducerId (key 22), versions 0-5.
 * Authorization: a transactional id needs Write on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
 * an idempotent producer IdempotentWrite on the cluster or Write on some topic (KIP-679,
 * CLUSTER_AUTHORIZATION_FAILED).
 * Without a transactional id (idempotent producers): a fresh producer id at epoch 0, as Kafka
 * answers, also when v3+ names the current id and epoch (KIP-360: the producer bumps its own
 * epoch; when it asks the broker, it gets a new id).
 * With a transactional id, through the TransactionCoordinator: the id's producer id with its
 * epoch bumped, which fences every older producer of that id; an ongoing transaction is
 * aborted first; an exhausted epoch rotates to a new producer id. transaction_timeout_ms
 * must be 1..transaction_max_timeout_ms, else INVALID_TRANSACTION_TIMEOUT; an empty
 * transactional id is INVALID_REQUEST.
 * v2+: flexible; v3+: producer_id and producer_epoch, the producer's current ones (-1 for
 * none; only one of them set is INVALID_REQUEST), for epoch-bump recovery (KIP-360);
 * v4+: PRODUCER_FENCED (before v4: INVALID_PRODUCER_EPOCH, KIP-588).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { TransactionCoordinator } from '../../txn/transaction-coordinator.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from '../../wire/messages/22-init-producer-id.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { sessionOf } from '../transport/kafka-session.js';
import { fencedFor } from './transaction-errors.js';

const PRODUCER_FENCED_VERSION = 4;

@Controller()
export class InitProducerIdHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(InitProducerIdApi, { min: 0, max: 5 })
  async initProducerId(request: KafkaRequest<InitProducerIdRequest>): Promise<InitProducerIdResponse> {
    const { header, body } = request;
    const refusal = this.refusal(request);
    if (refusal !== null) return { throttleTimeMs: 0, errorCode: refusal, producerId: -1, producerEpoch: -1 };
    if ((body.producerId < 0) !== (body.producerEpoch < 0)) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    const expected = body.producerId >= 0 ? { producerId: body.producerId, producerEpoch: body.producerEpoch } : null;
    const result = await this.coordinator.initProducerId(body.transactionalId, body.transactionTimeoutMs, expected);
    return { throttleTimeMs: 0, ...result, errorCode: fencedFor(header.apiVersion, PRODUCER_FENCED_VERSION, result.errorCode) };
  }

  /**
   * A transactional id needs Write on it (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an
   * idempotent producer IdempotentWrite on the cluster or Write on some topic (KIP-679, else
   * CLUSTER_AUTHORIZATION_FAILED).
   */
  private refusal(request: KafkaRequest<InitProducerIdRequest>): number | null {
    const session = sessionOf(request);
    const { transactionalId } = request.body;
    if (transactionalId !== null) {
      return this.authorizer.authorize(session, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId) ? null : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    }
    const idempotent =
      this.authorizer.authorizeCluster(session, AclOperation.IDEMPOTENT_WRITE) || this.authorizer.authorizeAny(session, AclOperation.WRITE, ResourceType.TOPIC);
    return idempotent ? null : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
  }
}
