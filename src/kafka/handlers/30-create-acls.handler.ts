/**
 * CreateAcls (key 30), versions 0-3.
 * Stores each ACL binding, as Kafka's AclApis: the caller needs Alter on the cluster (else
 * every result is CLUSTER_AUTHORIZATION_FAILED); with the authorizer off every result is
 * SECURITY_DISABLED; a binding Kafka would not store (a filter-only code such as ANY or
 * MATCH, an unknown code, a principal that is not Type:name, a cluster not named
 * kafka-cluster) is INVALID_REQUEST with the reason. The answer comes once the ACL file
 * holds the new bindings (a failed write: UNKNOWN_SERVER_ERROR, nothing stored).
 * v0: no pattern type (LITERAL); v1+: LITERAL or PREFIXED; v2+: flexible; v3: same as v2.
 */
import { Controller } from '@nestjs/common';
import { type AclBinding, AclOperation, bindingProblem } from '../../authorizer/acl.js';
import { AclStore } from '../../authorizer/acl-store.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  CreateAclsApi,
  type CreateAclsRequest,
  type CreateAclsRequestAclCreation,
  type CreateAclsResponse,
  type CreateAclsResponseAclCreationResult,
} from '../../wire/messages/30-create-acls.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { sessionOf } from '../transport/kafka-session.js';

export interface AclRefusal {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/** Why the ACL APIs refuse this caller (authorizer off, or `operation` on the cluster not allowed), or null. */
export function aclRefusal(authorizer: Authorizer, request: KafkaRequest<unknown>, operation: number): AclRefusal | null {
  if (!authorizer.enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker (authorizer_enabled is false)' };
  if (!authorizer.authorizeCluster(sessionOf(request), operation)) {
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
  }
  return null;
}

@Controller()
export class CreateAclsHandler {
  constructor(
    private readonly authorizer: Authorizer,
    private readonly store: AclStore,
  ) {}

  @KafkaApi(CreateAclsApi, { min: 0, max: 3 })
  async createAcls(request: KafkaRequest<CreateAclsRequest>): Promise<CreateAclsResponse> {
    const creations = request.body.creations;
    const refusal = aclRefusal(this.authorizer, request, AclOperation.ALTER);
    if (refusal !== null) return { throttleTimeMs: 0, results: creations.map(() => refusal) };
    const bindings = creations.map(toBinding);
    const problems = bindings.map(bindingProblem);
    const valid = bindings.filter((_, index) => problems[index] === null);
    const stored = await this.store.add(valid).then(
      () => null,
      (error: Error) => error.message,
    );
    return { throttleTimeMs: 0, results: problems.map((problem) => result(problem, stored)) };
  }
}

function result(problem: string | null, saveFailure: string | null): CreateAclsResponseAclCreationResult {
  if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
  if (saveFailure !== null) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `the ACLs could not be saved: ${saveFailure}` };
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

function toBinding(creation: CreateAclsRequestAclCreation): AclBinding {
  return {
    resourceType: creation.resourceType,
    resourceName: creation.resourceName,
    patternType: creation.resourcePatternType,
    principal: creation.principal,
    host: creation.host,
    operation: creation.operation,
    permissionType: creation.permissionType,
  };
}
