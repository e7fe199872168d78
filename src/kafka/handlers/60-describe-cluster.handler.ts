/**
 * DescribeCluster (key 60), versions 0-1.
 * The cluster as the admin client sees it: this one broker, which is also the controller,
 * at the port the client connected to. v1+: endpoint type (1 = brokers, the default).
 */
import { Controller } from '@nestjs/common';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DescribeClusterApi, type DescribeClusterRequest, type DescribeClusterResponse } from '../../wire/messages/60-describe-cluster.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class DescribeClusterHandler {
  constructor(private readonly cluster: ClusterIdentity) {}

  @KafkaApi(DescribeClusterApi, { min: 0, max: 1 })
  async describeCluster({ localPort }: KafkaRequest<DescribeClusterRequest>): Promise<DescribeClusterResponse> {
    const { nodeId, host, port } = this.cluster.endpoint(localPort);
    return {
      errorCode: ErrorCode.NONE,
      clusterId: this.cluster.clusterId,
      controllerId: nodeId,
      brokers: [{ brokerId: nodeId, host, port, rack: null }],
    };
  }
}
