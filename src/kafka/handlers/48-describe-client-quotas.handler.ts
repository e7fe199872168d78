/**
 * DescribeClientQuotas (key 48), versions 0-1.
 * Authorization: DescribeConfigs on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * The quotas set with AlterClientQuotas whose entity matches the filter (ClientQuotas):
 * per component, an exact user or client id (match type 0), the default (1), or any named
 * one (2); `strict` leaves out entities with parts the filter does not name. An empty
 * filter lists every entity. A bad filter (empty or repeated type, a match string where
 * none belongs, ip mixed with user or client-id) is INVALID_REQUEST, an unknown entity type
 * or match type UNSUPPORTED_VERSION, for the whole request (entries null), as Kafka answers.
 * v1: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { entityParts } from '../../quotas/quota-entity.js';
import { ClientQuotas } from '../../quotas/client-quotas.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeClientQuotasApi,
  type DescribeClientQuotasRequest,
  type DescribeClientQuotasResponse,
} from '../../wire/messages/48-describe-client-quotas.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class DescribeClientQuotasHandler {
  constructor(
    private readonly quotas: ClientQuotas,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeClientQuotasApi, { min: 0, max: 1 })
  async describeClientQuotas(request: KafkaRequest<DescribeClientQuotasRequest>): Promise<DescribeClientQuotasResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.DESCRIBE_CONFIGS, DescribeClientQuotasApi);
    if (refused !== null) return refused;
    const { body } = request;
    const found = this.quotas.describe(body.components, body.strict);
    if ('errorCode' in found) return { throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: found.errorMessage, entries: null };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: found.map(({ entity, values }) => ({
        entity: entityParts(entity),
        values: [...values].map(([key, value]) => ({ key, value })),
      })),
    };
  }
}
