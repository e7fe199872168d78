/**
 * DescribeLogDirs (key 35), versions 0-4.
 * Authorization: Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * The one log directory of this node (`record_storage_path`) with the size of every asked
 * partition (its WAL segments plus what only memory holds: LogDirsService), offset lag 0, no
 * future replicas. Null topics = every partition; unknown topics and partitions are left out.
 * v1: no change on the wire; v2+: flexible; v3+: top-level error code; v4+: total and
 * usable bytes of the file system the directory is on.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { LogDirsService } from '../../cluster-admin/log-dirs.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { DescribeLogDirsApi, type DescribeLogDirsRequest, type DescribeLogDirsResponse } from '../../wire/messages/35-describe-log-dirs.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class DescribeLogDirsHandler {
  constructor(
    private readonly logDirs: LogDirsService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(DescribeLogDirsApi, { min: 0, max: 4 })
  async describeLogDirs(request: KafkaRequest<DescribeLogDirsRequest>): Promise<DescribeLogDirsResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.DESCRIBE, DescribeLogDirsApi);
    if (refused !== null) return refused;
    const { body } = request;
    const selection = body.topics === null ? null : body.topics.map(({ topic, partitions }) => ({ topic, partitions }));
    const dir = await this.logDirs.describe(selection);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: dir.path,
          totalBytes: dir.totalBytes,
          usableBytes: dir.usableBytes,
          topics: dir.topics.map(({ name, partitions }) => ({
            name,
            partitions: partitions.map(({ partition, sizeBytes }) => ({ partitionIndex: partition, partitionSize: sizeBytes, offsetLag: 0, isFutureKey: false })),
          })),
        },
      ],
    };
  }
}
