/**
 * DescribeProducers: the idempotent producers a partition holds state for (KIP-664), read
 * from the partition's ProducerStateTable (storage/producer-state.ts): id, epoch, last
 * sequence and the last batch's timestamp. Transactions will fill the coordinator epoch and
 * the open transaction's first offset there; until then they are -1, as Kafka reports a
 * producer that never wrote transactionally.
 */
import { Injectable } from '@nestjs/common';
import type { ActiveProducer } from '../storage/producer-state.js';
import { topicNameProblem } from '../storage/topic-registry.js';
import { isRefusal, refusal, type Refusal } from '../topics/refusal.js';
import { TopicsService } from '../topics/topics.service.js';
import { ErrorCode } from '../wire/error-codes.js';

@Injectable()
export class ProducerStatesService {
  constructor(private readonly topics: TopicsService) {}

  activeProducers(topic: string, partition: number): ActiveProducer[] | Refusal {
    const nameProblem = topicNameProblem(topic);
    if (nameProblem !== null) return refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    const log = this.topics.findPartition(topic, partition);
    return isRefusal(log) ? log : log.producers.activeProducers();
  }
}
