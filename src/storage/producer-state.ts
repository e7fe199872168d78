/**
 * Idempotent-producer bookkeeping for one partition (KIP-98): per producer id, the epoch
 * and the most recent appended batches (at most `RECENT_BATCHES_MAX`, as Kafka keeps 5,
 * matching `max.in.flight.requests.per.connection <= 5`), so a retried batch can be
 * recognised and answered with its original offset instead of being stored twice.
 * DescribeProducers reads the same table (`activeProducers`).
 */
export const RECENT_BATCHES_MAX = 5;
const NO_SEQUENCE = -1;

export interface AppendedSequence {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly baseOffset: number;
  /** The batch's maxTimestamp (-1 when unknown: a snapshot written before it was kept). */
  readonly timestamp: number;
}

/** A producer as DescribeProducers reports it (Kafka's ProducerStateEntry). */
export interface ActiveProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
  /** The transaction coordinator's epoch: -1 while no transaction wrote to the partition. */
  readonly coordinatorEpoch: number;
  /** First offset of the producer's open transaction: -1 when none is open. */
  readonly currentTxnStartOffset: number;
}

interface ProducerEntry {
  epoch: number;
  recent: AppendedSequence[];
}

/** One producer's state as saved beside the WAL (segment .snapshot files). */
export interface ProducerSnapshot {
  readonly producerId: number;
  readonly epoch: number;
  readonly recent: readonly AppendedSequence[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'out-of-order'; message: string }
  | { kind: 'fenced'; message: string };

function nextSequence(seq: number): number {
  return seq === 0x7fff_ffff ? 0 : seq + 1;
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    // Kafka accepts any first sequence from a producer it holds no state for (the state
    // may have expired with the data); only a known producer is held to its sequence.
    if (entry === undefined) return { kind: 'append' };
    if (epoch < entry.epoch) {
      return { kind: 'fenced', message: `producer epoch ${epoch} is older than current epoch ${entry.epoch}` };
    }
    if (epoch > entry.epoch) return this.checkNewEpoch(firstSeq);
    const duplicate = entry.recent.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (duplicate) return { kind: 'duplicate', baseOffset: duplicate.baseOffset };
    const lastAppended = entry.recent.length > 0 ? entry.recent[entry.recent.length - 1].lastSeq : NO_SEQUENCE;
    if (firstSeq !== nextSequence(lastAppended)) {
      return { kind: 'out-of-order', message: `expected sequence ${nextSequence(lastAppended)}, got ${firstSeq}` };
    }
    return { kind: 'append' };
  }

  record(producerId: number, epoch: number, appended: AppendedSequence): void {
    let entry = this.producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) {
      entry = { epoch, recent: [] };
      this.producers.set(producerId, entry);
    }
    entry.recent.push(appended);
    if (entry.recent.length > RECENT_BATCHES_MAX) entry.recent.shift();
  }

  get producerCount(): number {
    return this.producers.size;
  }

  /** Every producer with state here, with its last appended batch (none are transactional yet). */
  activeProducers(): ActiveProducer[] {
    return [...this.producers].map(([producerId, entry]) => {
      const last = entry.recent.at(-1);
      return {
        producerId,
        producerEpoch: entry.epoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastTimestamp: last?.timestamp ?? -1,
        coordinatorEpoch: -1,
        currentTxnStartOffset: -1,
      };
    });
  }

  /** The whole table, for a snapshot file. */
  snapshot(): ProducerSnapshot[] {
    return [...this.producers].map(([producerId, entry]) => ({ producerId, epoch: entry.epoch, recent: [...entry.recent] }));
  }

  /** Replaces the table with a snapshot (recovery; batches after it are then `record`ed on top). */
  restore(snapshot: readonly ProducerSnapshot[]): void {
    this.producers.clear();
    for (const { producerId, epoch, recent } of snapshot) {
      this.producers.set(producerId, { epoch, recent: recent.slice(-RECENT_BATCHES_MAX) });
    }
  }

  private checkNewEpoch(firstSeq: number): SequenceCheck {
    return firstSeq === 0
      ? { kind: 'append' }
      : { kind: 'out-of-order', message: `first batch of a producer epoch must start at sequence 0, got ${firstSeq}` };
  }
}
