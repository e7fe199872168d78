/**
 * The transaction coordinator as unit tests build it without the container: in memory mode
 * (the journal writes nothing until `recover`), over a given topic registry and clock, with
 * a real group coordinator and offset manager behind it (transactional offsets reach them).
 */
import { Counter, Gauge } from 'prom-client';
import { FinalizedFeatures } from '../../src/cluster/features.js';
import type { Clock } from '../../src/common/clock.js';
import { loadSettings, type BlinkConfig } from '../../src/config/settings.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import { GroupTable } from '../../src/groups/group-table.js';
import { ModernGroupCoordinator } from '../../src/groups/modern-coordinator.js';
import { GroupsProbe } from '../../src/groups/groups.probe.js';
import { OffsetManager } from '../../src/groups/offset-manager.js';
import { MemoryOffsetStore } from '../../src/groups/offset-store.js';
import { BatchAppender } from '../../src/storage/batch-appender.js';
import { ProducerIdAllocator } from '../../src/storage/producer-ids.js';
import { TopicEvents } from '../../src/storage/topic-events.js';
import type { TopicRegistry } from '../../src/storage/topic-registry.js';
import { TransactionCompleter } from '../../src/txn/transaction-completer.js';
import { TransactionCoordinator } from '../../src/txn/transaction-coordinator.js';
import { TransactionJournal } from '../../src/txn/transaction-journal.js';
import { TransactionRecovery } from '../../src/txn/transaction-recovery.js';
import { TransactionStore } from '../../src/txn/transaction-store.js';
import { TransactionalOffsets } from '../../src/txn/transactional-offsets.js';
import { TxnProbe } from '../../src/txn/txn.probe.js';
import { WalFileSystem } from '../../src/wal/wal-file-system.js';
import { memoryOnlyRegistry } from './storage.js';

export interface TransactionStack {
  readonly coordinator: TransactionCoordinator;
  readonly offsets: TransactionalOffsets;
  readonly completer: TransactionCompleter;
  readonly store: TransactionStore;
  readonly journal: TransactionJournal;
  /** Durable mode: what StorageRecovery runs once the partitions are recovered (it also starts the journal). */
  readonly recovery: TransactionRecovery;
  readonly probe: TxnProbe;
  readonly groups: GroupCoordinator;
  readonly offsetManager: OffsetManager;
  readonly offsetStore: MemoryOffsetStore;
  readonly producerIds: ProducerIdAllocator;
  readonly appender: BatchAppender;
}

export function testTxnProbe(): TxnProbe {
  const counter = (name: string) => new Counter({ name, help: name, registers: [] });
  return new TxnProbe(new Gauge({ name: 'open', help: 'open', registers: [] }), counter('committed'), counter('aborted'), counter('timedOut'));
}

function testGroupsProbe(): GroupsProbe {
  const counter = (name: string) => new Counter({ name, help: name, registers: [] });
  const assignments = new Counter({ name: 'assignments', help: 'assignments', labelNames: ['assignor'], registers: [] });
  const refusedCreations = new Counter({ name: 'refused', help: 'refused', labelNames: ['reason'], registers: [] });
  return new GroupsProbe(new Gauge({ name: 'groups', help: 'groups', registers: [] }), counter('r'), counter('e'), counter('c'), counter('x'), counter('epochs'), assignments, refusedCreations, counter('evicted'));
}

export function transactionStack(config: BlinkConfig, registry: TopicRegistry, clock: Clock, fs = new WalFileSystem()): TransactionStack {
  const probe = testTxnProbe();
  const journal = new TransactionJournal(config, fs, clock);
  const store = new TransactionStore(journal, probe);
  const offsetStore = new MemoryOffsetStore();
  const groupsProbe = testGroupsProbe();
  const table = new GroupTable();
  const groups = new GroupCoordinator(clock, offsetStore, groupsProbe, table);
  const events = new TopicEvents();
  const modern = new ModernGroupCoordinator(clock, table, groups, offsetStore, groupsProbe, registry, config, events, new FinalizedFeatures());
  const offsetManager = new OffsetManager(groups, offsetStore, clock, registry, groupsProbe, events, modern);
  const appender = new BatchAppender();
  const completer = new TransactionCompleter(registry, appender, offsetManager, store, probe, clock);
  const producerIds = new ProducerIdAllocator();
  const coordinator = new TransactionCoordinator(config, store, completer, producerIds, registry, probe, clock);
  const offsets = new TransactionalOffsets(store, offsetManager, registry, clock);
  const recovery = new TransactionRecovery(journal, store, completer, registry, appender, producerIds, clock);
  return { coordinator, offsets, completer, store, journal, recovery, probe, groups, offsetManager, offsetStore, producerIds, appender };
}

/** A coordinator with no transactions over an empty registry, for handlers that only ask it questions. */
export function idleTransactionCoordinator(clock: Clock): TransactionCoordinator {
  const config = loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' });
  return transactionStack(config, memoryOnlyRegistry(config), clock).coordinator;
}
