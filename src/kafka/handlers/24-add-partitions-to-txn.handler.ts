/**
 * AddPartitionsToTxn (key 24), versions 0-5.
 * Authorization: Write on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and
 * on each topic (TOPIC_AUTHORIZATION_FAILED, the other partitions OPERATION_NOT_ATTEMPTED).
 * v0-3 (producers): adds the partitions to the producer's transaction through the
 * TransactionCoordinator, which begins it if it was at rest. A partition that does not exist
 * is UNKNOWN_TOPIC_OR_PARTITION and nothing is added (the others: OPERATION_NOT_ATTEMPTED);
 * otherwise every partition gets the coordinator's answer: NONE, INVALID_PRODUCER_ID_MAPPING,
 * PRODUCER_FENCED (v2+; before: INVALID_PRODUCER_EPOCH), CONCURRENT_TRANSACTIONS while the
 * previous transaction's markers are being written.
 * v3+: flexible. v4+ (KIP-890, broker to coordinator): several transactions per request,
 * each either added like v0-3 or, with verify_only, checked: NONE for a partition in the
 * ongoing transaction, else TRANSACTION_ABORTABLE (v5; v4: INVALID_TXN_STATE); a top-level
 * error code.
 */
import { Controller } from '@nestjs/common';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { TransactionCoordinator, type PartitionResult } from '../../txn/transaction-coordinator.js';
import type { TopicPartition } from '../../txn/transaction.js';
import { ErrorCode, type ErrorCodeValue } from '../../wire/error-codes.js';
import {
  AddPartitionsToTxnApi,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  type AddPartitionsToTxnRequestAddPartitionsToTxnTransaction,
  type AddPartitionsToTxnResponse,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../wire/messages/24-add-partitions-to-txn.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { authorized } from '../transport/kafka-session.js';
import { fencedFor } from './transaction-errors.js';

const PRODUCER_FENCED_VERSION = 2;
const BATCHED_VERSION = 4;
const TRANSACTION_ABORTABLE_VERSION = 5;

@Controller()
export class AddPartitionsToTxnHandler {
  constructor(
    private readonly coordinator: TransactionCoordinator,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(AddPartitionsToTxnApi, { min: 0, max: 5 })
  async addPartitionsToTxn(request: KafkaRequest<AddPartitionsToTxnRequest>): Promise<AddPartitionsToTxnResponse> {
    const { header, body } = request;
    const version = header.apiVersion;
    if (version < BATCHED_VERSION) {
      const refused = this.refusal(request, body.v3AndBelowTransactionalId, body.v3AndBelowTopics);
      if (refused !== null) return { throttleTimeMs: 0, resultsByTopicV3AndBelow: refused };
      const results = this.coordinator.addPartitions(body.v3AndBelowTransactionalId, body.v3AndBelowProducerId, body.v3AndBelowProducerEpoch, flatten(body.v3AndBelowTopics));
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: byTopic(results, (code) => fencedFor(version, PRODUCER_FENCED_VERSION, code)) };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: body.transactions.map((txn) => ({
        transactionalId: txn.transactionalId,
        topicResults: this.refusal(request, txn.transactionalId, txn.topics) ?? this.batched(txn, version),
      })),
    };
  }

  private batched(txn: AddPartitionsToTxnRequestAddPartitionsToTxnTransaction, version: number): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
    const partitions = flatten(txn.topics);
    const results = txn.verifyOnly
      ? this.coordinator.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions)
      : this.coordinator.addPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
    const abortable = (code: ErrorCodeValue) => (code === ErrorCode.TRANSACTION_ABORTABLE && version < TRANSACTION_ABORTABLE_VERSION ? ErrorCode.INVALID_TXN_STATE : code);
    return byTopic(results, abortable);
  }

  /**
   * Kafka's checks: Write on the transactional id (else every partition is
   * TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then Write on each topic (else its partitions are
   * TOPIC_AUTHORIZATION_FAILED and the others OPERATION_NOT_ATTEMPTED); null when allowed.
   */
  private refusal(
    request: KafkaRequest<unknown>,
    transactionalId: string,
    topics: readonly { readonly name: string; readonly partitions: readonly number[] }[],
  ): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] | null {
    const every = (code: (topic: string) => number) =>
      topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: code(t.name) })) }));
    if (!authorized(this.authorizer, request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
      return every(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    const refused = new Set(topics.map((t) => t.name).filter((name) => !authorized(this.authorizer, request, AclOperation.WRITE, ResourceType.TOPIC, name)));
    if (refused.size === 0) return null;
    return every((name) => (refused.has(name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
}

function flatten(topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[]): TopicPartition[] {
  return topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition })));
}

function byTopic(results: readonly PartitionResult[], mapCode: (code: ErrorCodeValue) => ErrorCodeValue): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const topics = new Map<string, { partitionIndex: number; partitionErrorCode: number }[]>();
  for (const result of results) {
    const partitions = topics.get(result.topic) ?? [];
    partitions.push({ partitionIndex: result.partition, partitionErrorCode: mapCode(result.errorCode) });
    topics.set(result.topic, partitions);
  }
  return [...topics].map(([name, resultsByPartition]) => ({ name, resultsByPartition }));
}
