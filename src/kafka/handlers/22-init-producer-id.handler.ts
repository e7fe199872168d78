/**
 * InitProducerId (key 22), versions 0-4.
 * Authorization: an idempotent producer needs IdempotentWrite on the cluster or Write on
 * some topic (KIP-679), else CLUSTER_AUTHORIZATION_FAILED.
 * A fresh producer id with epoch 0 on every call, as Kafka does without a transactional id
 * (idempotent producers). Transactional ids are refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED: Blink has no transaction coordinator.
 * v2+: flexible; v3+: the client may send its current producer id and epoch (Kafka ignores
 * them without a transactional id, and so does Blink).
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ProducerIdAllocator } from '../../storage/producer-ids.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from '../../wire/messages/22-init-producer-id.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class InitProducerIdHandler {
  constructor(
    private readonly producerIds: ProducerIdAllocator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(InitProducerIdApi, { min: 0, max: 4 })
  async initProducerId(request: KafkaRequest<InitProducerIdRequest>): Promise<InitProducerIdResponse> {
    if (request.body.transactionalId !== null) {
      return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    }
    if (!this.mayWriteIdempotently(request)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    return { errorCode: ErrorCode.NONE, ...this.producerIds.allocate() };
  }

  /** IdempotentWrite on the cluster, or Write on some topic (KIP-679). */
  private mayWriteIdempotently(request: KafkaRequest<unknown>): boolean {
    return (
      this.authorizer.authorizeCluster(request.context, AclOperation.IDEMPOTENT_WRITE) ||
      this.authorizer.authorizeAny(request.context, AclOperation.WRITE, ResourceType.TOPIC)
    );
  }
}
