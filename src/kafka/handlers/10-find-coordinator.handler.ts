/**
 * FindCoordinator (key 10), versions 0-3.
 * The single node coordinates every consumer group (key type 0) and every transactional id
 * (key type 1): both are answered with this broker. Another key type is INVALID_REQUEST.
 * v1+: key type, error message; v3: flexible. (v4+ batches keys; not served.)
 * Advertised even with enable_consumer_groups off (assign-only consumers commit offsets to
 * a group): librdkafka 2.0.2 enables its LZ4 and group-coordinator features only when
 * FindCoordinator v0 is in the broker's range.
 */
import { Controller } from '@nestjs/common';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  FindCoordinatorApi,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '../../wire/messages/10-find-coordinator.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

@Controller()
export class FindCoordinatorHandler {
  constructor(private readonly cluster: ClusterIdentity) {}

  @KafkaApi(FindCoordinatorApi, { min: 0, max: 3 })
  async findCoordinator({ body, localPort }: KafkaRequest<FindCoordinatorRequest>): Promise<FindCoordinatorResponse> {
    if (body.keyType === KEY_TYPE_GROUP || body.keyType === KEY_TYPE_TRANSACTION) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...this.cluster.endpoint(localPort) };
    }
    const errorMessage = `unknown coordinator key type ${body.keyType}`;
    return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage, nodeId: -1, host: '', port: -1 };
  }
}
