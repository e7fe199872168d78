/**
 * WriteTxnMarkers (key 27), versions 0-1.
 * Authorization: ClusterAction on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Writes the COMMIT or ABORT markers asked for straight into the partitions, without the
 * transaction coordinator: Kafka's coordinators send it to partition leaders, and
 * `kafka-transactions.sh abort` (Admin.abortTransaction, KIP-664) sends it to end a hanging
 * transaction. Per partition: UNKNOWN_TOPIC_OR_PARTITION, or INVALID_PRODUCER_EPOCH for a
 * marker older than the producer's epoch there. v1: flexible.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { TransactionCompleter, type RequestedMarker } from '../../txn/transaction-completer.js';
import {
  WriteTxnMarkersApi,
  type WriteTxnMarkersRequest,
  type WriteTxnMarkersResponse,
} from '../../wire/messages/27-write-txn-markers.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class WriteTxnMarkersHandler {
  constructor(
    private readonly completer: TransactionCompleter,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(WriteTxnMarkersApi, { min: 0, max: 1 })
  async writeTxnMarkers(request: KafkaRequest<WriteTxnMarkersRequest>): Promise<WriteTxnMarkersResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.CLUSTER_ACTION, WriteTxnMarkersApi);
    if (refused !== null) return refused;
    const { body } = request;
    const requested: RequestedMarker[] = body.markers.flatMap((m) =>
      m.topics.flatMap((t) =>
        t.partitionIndexes.map((partition) => ({
          producerId: m.producerId,
          producerEpoch: m.producerEpoch,
          commit: m.transactionResult,
          coordinatorEpoch: m.coordinatorEpoch,
          topic: t.name,
          partition,
        })),
      ),
    );
    const codes = await this.completer.writeRequested(requested);
    let position = 0;
    return {
      markers: body.markers.map((m) => ({
        producerId: m.producerId,
        topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: codes[position++] })) })),
      })),
    };
  }
}
