/**
 * DescribeAcls (key 29), versions 0-3.
 * The stored ACLs a filter matches, grouped by resource pattern, as Kafka's AclApis: the
 * caller needs Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED); with the
 * authorizer off the answer is SECURITY_DISABLED; a malformed filter is INVALID_REQUEST.
 * v0: no pattern type (the filter is LITERAL, and so is every pattern matched); v1+: the
 * pattern type filter (ANY, MATCH, LITERAL, PREFIXED); v2+: flexible; v3: same as v2.
 */
import { Controller } from '@nestjs/common';
import { type AclBinding, type AclBindingFilter, AclOperation, filterProblem } from '../../authorizer/acl.js';
import { AclStore } from '../../authorizer/acl-store.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  DescribeAclsApi,
  type DescribeAclsRequest,
  type DescribeAclsResponse,
  type DescribeAclsResponseDescribeAclsResource,
} from '../../wire/messages/29-describe-acls.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { aclRefusal } from './30-create-acls.handler.js';

@Controller()
export class DescribeAclsHandler {
  constructor(
    private readonly authorizer: Authorizer,
    private readonly store: AclStore,
  ) {}

  @KafkaApi(DescribeAclsApi, { min: 0, max: 3 })
  async describeAcls(request: KafkaRequest<DescribeAclsRequest>): Promise<DescribeAclsResponse> {
    const refusal = aclRefusal(this.authorizer, request, AclOperation.DESCRIBE);
    if (refusal !== null) return { throttleTimeMs: 0, ...refusal, resources: [] };
    const filter = toFilter(request.body);
    const problem = filterProblem(filter);
    if (problem !== null) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, resources: [] };
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: groupByPattern(this.store.matching(filter)) };
  }
}

function toFilter(body: DescribeAclsRequest): AclBindingFilter {
  return {
    resourceType: body.resourceTypeFilter,
    resourceName: body.resourceNameFilter,
    patternType: body.patternTypeFilter,
    principal: body.principalFilter,
    host: body.hostFilter,
    operation: body.operation,
    permissionType: body.permissionType,
  };
}

function groupByPattern(bindings: readonly AclBinding[]): DescribeAclsResponseDescribeAclsResource[] {
  const resources = new Map<string, DescribeAclsResponseDescribeAclsResource & { acls: NonNullable<DescribeAclsResponseDescribeAclsResource['acls']> }>();
  for (const binding of bindings) {
    const key = JSON.stringify([binding.resourceType, binding.resourceName, binding.patternType]);
    let resource = resources.get(key);
    if (resource === undefined) {
      resource = { resourceType: binding.resourceType, resourceName: binding.resourceName, patternType: binding.patternType, acls: [] };
      resources.set(key, resource);
    }
    resource.acls.push({ principal: binding.principal, host: binding.host, operation: binding.operation, permissionType: binding.permissionType });
  }
  return [...resources.values()];
}
