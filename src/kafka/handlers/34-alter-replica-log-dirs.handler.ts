/**
 * AlterReplicaLogDirs (key 34), versions 0-2.
 * Authorization: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * This node has one log directory (`record_storage_path`): moving a partition there is a
 * success that changes nothing, any other path is LOG_DIR_NOT_FOUND, an unknown partition
 * in this directory UNKNOWN_TOPIC_OR_PARTITION (LogDirsService). Results are grouped by
 * topic in the order topics are first named. v1: no change on the wire; v2: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { LogDirsService, type ReplicaMove } from '../../cluster-admin/log-dirs.service.js';
import {
  AlterReplicaLogDirsApi,
  type AlterReplicaLogDirsRequest,
  type AlterReplicaLogDirsResponse,
  type AlterReplicaLogDirsResponseAlterReplicaLogDirTopicResult,
} from '../../wire/messages/34-alter-replica-log-dirs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class AlterReplicaLogDirsHandler {
  constructor(
    private readonly logDirs: LogDirsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AlterReplicaLogDirsApi, { min: 0, max: 2 })
  async alterReplicaLogDirs(request: KafkaRequest<AlterReplicaLogDirsRequest>): Promise<AlterReplicaLogDirsResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER, AlterReplicaLogDirsApi);
    if (refused !== null) return refused;
    const { body } = request;
    const moves = body.dirs.flatMap(({ path, topics }) =>
      this.logDirs.moveReplicas(path, topics.flatMap(({ name, partitions }) => partitions.map((partition) => ({ topic: name, partition })))),
    );
    return { throttleTimeMs: 0, results: byTopic(moves) };
  }
}

function byTopic(moves: readonly ReplicaMove[]): AlterReplicaLogDirsResponseAlterReplicaLogDirTopicResult[] {
  const partitionsByTopic = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
  for (const { topic, partition, errorCode } of moves) {
    const partitions = partitionsByTopic.get(topic) ?? [];
    partitions.push({ partitionIndex: partition, errorCode });
    partitionsByTopic.set(topic, partitions);
  }
  return [...partitionsByTopic].map(([topicName, partitions]) => ({ topicName, partitions }));
}
