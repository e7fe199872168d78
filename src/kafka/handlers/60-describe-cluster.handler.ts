/**
 * DescribeCluster (key 60), versions 0-1.
 * The cluster as the admin client sees it: this one broker, which is also the controller,
 * at the port the client connected to. Authorized operations when asked: with no authorizer,
 * every operation a cluster supports, as Kafka reports. v1+: endpoint type: 1 (brokers) is served; 2
 * (controllers) is MISMATCHED_ENDPOINT_TYPE and any other UNSUPPORTED_ENDPOINT_TYPE, with
 * Kafka's messages, as a Kafka broker listener answers (clients ask for controllers only
 * through `bootstrap.controllers`, which names controller listeners).
 */
import { Controller } from '@nestjs/common';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DescribeClusterApi, type DescribeClusterRequest, type DescribeClusterResponse } from '../../wire/messages/60-describe-cluster.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;
/** Kafka's AclOperation codes a cluster supports: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
const CLUSTER_AUTHORIZED_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, operation) => bits | (1 << operation), 0);
const FIRST_ENDPOINT_TYPE_VERSION = 1;

@Controller()
export class DescribeClusterHandler {
  constructor(private readonly cluster: ClusterIdentity) {}

  @KafkaApi(DescribeClusterApi, { min: 0, max: 1 })
  async describeCluster({ header, body, localPort }: KafkaRequest<DescribeClusterRequest>): Promise<DescribeClusterResponse> {
    if (header.apiVersion >= FIRST_ENDPOINT_TYPE_VERSION && body.endpointType !== EndpointType.BROKER) return refuseEndpointType(body.endpointType);
    const { nodeId, host, port } = this.cluster.endpoint(localPort);
    return {
      errorCode: ErrorCode.NONE,
      clusterId: this.cluster.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host, port, rack: null }],
      ...(body.includeClusterAuthorizedOperations ? { clusterAuthorizedOperations: CLUSTER_AUTHORIZED_OPERATIONS } : {}),
    };
  }
}

function refuseEndpointType(endpointType: number): DescribeClusterResponse {
  if (endpointType === EndpointType.CONTROLLER) {
    return {
      errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      clusterId: '',
      brokers: [],
    };
  }
  return { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unsupported endpoint type ${endpointType}`, clusterId: '', brokers: [] };
}
