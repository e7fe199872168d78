/**
 * DescribeCluster (key 60), versions 0-1.
 * The cluster as the admin client sees it: this one broker, which is also the controller,
 * at the port the client connected to. Authorized operations when asked: the cluster
 * operations the caller may perform (Authorizer.authorizedOperations), else Kafka's INT32_MIN. v1+: endpoint type: 1 (brokers) is served; 2
 * (controllers) is MISMATCHED_ENDPOINT_TYPE and any other UNSUPPORTED_ENDPOINT_TYPE, with
 * Kafka's messages, as a Kafka broker listener answers (clients ask for controllers only
 * through `bootstrap.controllers`, which names controller listeners).
 */
import { Controller } from '@nestjs/common';
import { ResourceType, CLUSTER_NAME } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DescribeClusterApi, type DescribeClusterRequest, type DescribeClusterResponse } from '../../wire/messages/60-describe-cluster.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { sessionOf } from '../transport/kafka-session.js';

const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;
const FIRST_ENDPOINT_TYPE_VERSION = 1;

@Controller()
export class DescribeClusterHandler {
  constructor(
    private readonly cluster: ClusterIdentity,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeClusterApi, { min: 0, max: 1 })
  async describeCluster(request: KafkaRequest<DescribeClusterRequest>): Promise<DescribeClusterResponse> {
    const { header, body, localPort } = request;
    if (header.apiVersion >= FIRST_ENDPOINT_TYPE_VERSION && body.endpointType !== EndpointType.BROKER) return refuseEndpointType(body.endpointType);
    const { nodeId, host, port } = this.cluster.endpoint(localPort);
    return {
      errorCode: ErrorCode.NONE,
      clusterId: this.cluster.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host, port, rack: null }],
      ...(body.includeClusterAuthorizedOperations
        ? { clusterAuthorizedOperations: this.authorizer.authorizedOperations(sessionOf(request), ResourceType.CLUSTER, CLUSTER_NAME) }
        : {}),
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
