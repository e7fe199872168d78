/**
 * AlterClientQuotas (key 49), versions 0-1.
 * Authorization: AlterConfigs on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Sets or removes client quotas (ClientQuotas) for user and client-id entities, their
 * defaults (entity name null) and user + client-id pairs; keys producer_byte_rate,
 * consumer_byte_rate (whole bytes per second) and request_percentage. Each entry is checked
 * and applied on its own, all of its ops or none, with Kafka's errors (INVALID_REQUEST: an
 * unknown key, a value not above 0, a fractional byte rate, an empty name, a key or entity
 * named twice; UNSUPPORTED_VERSION: an unknown entity type). validate_only checks and
 * changes nothing. New quotas apply from the next request of the clients they cover.
 * Durable mode answers once the quotas are on disk (else KAFKA_STORAGE_ERROR).
 * v1: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ClientQuotas } from '../../quotas/client-quotas.service.js';
import { AlterClientQuotasApi, type AlterClientQuotasRequest, type AlterClientQuotasResponse } from '../../wire/messages/49-alter-client-quotas.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class AlterClientQuotasHandler {
  constructor(
    private readonly quotas: ClientQuotas,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AlterClientQuotasApi, { min: 0, max: 1 })
  async alterClientQuotas(request: KafkaRequest<AlterClientQuotasRequest>): Promise<AlterClientQuotasResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER_CONFIGS, AlterClientQuotasApi);
    if (refused !== null) return refused;
    const { body } = request;
    const results = await this.quotas.alter(body.entries, body.validateOnly);
    return {
      throttleTimeMs: 0,
      entries: body.entries.map((entry, i) => ({ errorCode: results[i].errorCode, errorMessage: results[i].errorMessage, entity: entry.entity })),
    };
  }
}
