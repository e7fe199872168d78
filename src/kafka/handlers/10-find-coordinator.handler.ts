/**
 * FindCoordinator (key 10), versions 0-6.
 * Authorization: Describe on the group (else GROUP_AUTHORIZATION_FAILED) or on the
 * transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 * The single node coordinates every consumer group (key type 0) and every transactional id
 * (key type 1), at the port the client connected to. Share groups (key type 2, KIP-932, no stable version in 3.9)
 * are COORDINATOR_NOT_AVAILABLE from v6, where the type exists, as Kafka 3.9 answers without
 * share groups, and INVALID_REQUEST before; another key type is INVALID_REQUEST.
 * v1+: key type, throttle time, error message; v3: flexible; v4+: a batch of keys, each
 * answered on its own (the top-level fields go); v5+: TRANSACTION_ABORTABLE is possible (never
 * answered: this node is always the coordinator).
 * Advertised even with enable_consumer_groups off (assign-only consumers commit offsets to
 * a group): librdkafka 2.0.2 enables its LZ4 and group-coordinator features only when
 * FindCoordinator v0 is in the broker's range.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  FindCoordinatorApi,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type FindCoordinatorResponseCoordinator,
} from '../../wire/messages/10-find-coordinator.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';

const KeyType = { GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const;
const FIRST_BATCHED_VERSION = 4;
const FIRST_SHARE_VERSION = 6;

type Coordinator = Omit<FindCoordinatorResponseCoordinator, 'key'>;

@Controller()
export class FindCoordinatorHandler {
  constructor(
    private readonly cluster: ClusterIdentity,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(FindCoordinatorApi, { min: 0, max: 6 })
  async findCoordinator(request: KafkaRequest<FindCoordinatorRequest>): Promise<FindCoordinatorResponse> {
    const { header, body, localPort } = request;
    const find = (key: string) => this.refusal(request, key) ?? this.coordinator(body.keyType, header.apiVersion, localPort);
    if (header.apiVersion >= FIRST_BATCHED_VERSION) {
      return { throttleTimeMs: 0, coordinators: body.coordinatorKeys.map((key) => ({ key, ...find(key) })) };
    }
    return { throttleTimeMs: 0, ...find(body.key) };
  }

  /** Describe on the group or the transactional id (Kafka's KafkaApis), else its authorization error. */
  private refusal(request: KafkaRequest<FindCoordinatorRequest>, key: string): Coordinator | null {
    const { keyType } = request.body;
    if (keyType === KeyType.GROUP && !authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
      return none(ErrorCode.GROUP_AUTHORIZATION_FAILED, null);
    }
    if (keyType === KeyType.TRANSACTION && !authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
      return none(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null);
    }
    return null;
  }

  /** The coordinator of every key of type `keyType`: this node for groups, or why there is none. */
  private coordinator(keyType: number, version: number, localPort: number): Coordinator {
    switch (keyType) {
      case KeyType.GROUP:
      case KeyType.TRANSACTION:
        return { errorCode: ErrorCode.NONE, errorMessage: null, ...this.cluster.endpoint(localPort) };
      case KeyType.SHARE:
        return version >= FIRST_SHARE_VERSION
          ? none(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'Blink has no share-group coordinator: share groups (KIP-932) are not supported')
          : none(ErrorCode.INVALID_REQUEST, `FindCoordinator v${version} cannot look up share groups (v${FIRST_SHARE_VERSION}+)`);
      default:
        return none(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
    }
  }
}

function none(errorCode: number, errorMessage: string | null): Coordinator {
  return { errorCode, errorMessage, nodeId: -1, host: '', port: -1 };
}
