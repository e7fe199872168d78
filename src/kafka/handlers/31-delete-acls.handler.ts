/**
 * DeleteAcls (key 31), versions 0-3.
 * Removes every stored ACL each filter matches and lists them, as Kafka's AclApis: the caller
 * needs Alter on the cluster (else every filter result is CLUSTER_AUTHORIZATION_FAILED); with
 * the authorizer off every result is SECURITY_DISABLED; a malformed filter is INVALID_REQUEST
 * (the other filters still apply). The answer comes once the ACL file no longer holds them.
 * v0: no pattern type (the filter is LITERAL); v1+: the pattern type filter; v2+: flexible.
 */
import { Controller } from '@nestjs/common';
import { type AclBinding, type AclBindingFilter, AclOperation, filterProblem } from '../../authorizer/acl.js';
import { AclStore } from '../../authorizer/acl-store.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DeleteAclsApi,
  type DeleteAclsRequest,
  type DeleteAclsRequestDeleteAclsFilter,
  type DeleteAclsResponse,
  type DeleteAclsResponseDeleteAclsFilterResult,
} from '../../wire/messages/31-delete-acls.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { aclRefusal } from './30-create-acls.handler.js';

@Controller()
export class DeleteAclsHandler {
  constructor(
    private readonly authorizer: Authorizer,
    private readonly store: AclStore,
  ) {}

  @KafkaApi(DeleteAclsApi, { min: 0, max: 3 })
  async deleteAcls(request: KafkaRequest<DeleteAclsRequest>): Promise<DeleteAclsResponse> {
    const requested = request.body.filters;
    const refusal = aclRefusal(this.authorizer, request, AclOperation.ALTER);
    if (refusal !== null) return { throttleTimeMs: 0, filterResults: requested.map(() => ({ ...refusal, matchingAcls: [] })) };
    const filters = requested.map(toFilter);
    const problems = filters.map(filterProblem);
    const valid = filters.filter((_, index) => problems[index] === null);
    let removed: AclBinding[][];
    try {
      removed = await this.store.remove(valid);
    } catch (error) {
      const failure = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `the ACLs could not be saved: ${(error as Error).message}`, matchingAcls: [] };
      return { throttleTimeMs: 0, filterResults: requested.map(() => failure) };
    }
    return { throttleTimeMs: 0, filterResults: problems.map((problem) => (problem === null ? deleted(removed.shift()!) : invalid(problem))) };
  }
}

function invalid(problem: string): DeleteAclsResponseDeleteAclsFilterResult {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
}

function deleted(bindings: readonly AclBinding[]): DeleteAclsResponseDeleteAclsFilterResult {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    matchingAcls: bindings.map((binding) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...binding })),
  };
}

function toFilter(filter: DeleteAclsRequestDeleteAclsFilter): AclBindingFilter {
  return {
    resourceType: filter.resourceTypeFilter,
    resourceName: filter.resourceNameFilter,
    patternType: filter.patternTypeFilter,
    principal: filter.principalFilter,
    host: filter.hostFilter,
    operation: filter.operation,
    permissionType: filter.permissionType,
  };
}
