/**
 * The uplink (docs/UPLINK.md): continuously copies the selected topics and the consumer
 * groups' committed offsets from Blink into an Apache Kafka cluster, so clients can move
 * by changing bootstrap.servers, and runs the cut-over.
 *
 * Life cycle: at module init (before any Kafka listener binds) the journal is read and a
 * cut-over that was in progress closes produce again; retention is held at the uplink's
 * positions (uplink_unmirrored). Once storage recovery is done the remote cluster is
 * connected (retried with backoff, forever), topics are created there with the same
 * partition count and their explicit configs, and one PartitionMirror per partition runs
 * under the MirrorScheduler. Group offsets are synced every uplink_group_sync_interval.
 * When the remote stops answering, every mirror and the group sync pause and the cluster
 * is probed until it answers again; Blink keeps taking produce (retention holds the data).
 *
 * It reads storage and groups; nothing imports it but the faces (admin, health) and the app.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, everyUnlessRunning, type Timer } from '../common/clock.js';
import { BLINK_CONFIG, type BlinkConfig, type UplinkConfig } from '../config/settings.js';
import { OFFSET_STORE, type OffsetStore } from '../groups/offset-store.js';
import { StorageRecovery } from '../recovery/storage-recovery.js';
import { RetentionService, type RetentionHold } from '../retention/retention.service.js';
import type { PartitionLog } from '../storage/partition-log.js';
import { TopicEvents } from '../storage/topic-events.js';
import { TopicRegistry, type Topic } from '../storage/topic-registry.js';
import { WriteFence } from '../topics/write-fence.js';
import { GroupOffsetSync } from './group-offset-sync.js';
import { MirrorScheduler } from './mirror-scheduler.js';
import { PartitionMirror, type MirrorContext } from './partition-mirror.js';
import { RemoteConnector } from './remote/kafka-library.js';
import type { RemoteCluster } from './remote/remote-cluster.js';
import { RemoteError } from './remote/remote-errors.js';
import { TopicSelection } from './topic-selection.js';
import { UplinkJournal, type SavedPartition } from './uplink-journal.js';
import { UplinkProbe, type UplinkGauges } from './uplink.probe.js';
import { PARTITIONS_REPORTED_MAX, type CutoverStatus, type UplinkState, type UplinkStatus } from './uplink-status.js';

const PROBE_RETRY_MIN_MS = 250;
const PROBE_RETRY_MAX_MS = 5_000;
/** Topics are checked on the remote again this often (a failed creation, a deleted remote topic). */
export const DISCOVERY_INTERVAL_MS = 30_000;
/** How often a cut-over that waits looks at the mirrors again. */
const CUTOVER_POLL_MS = 100;
const SHUTDOWN_WAIT_MS = 2_000;

const keyOf = (topic: string, partition: number): string => `${partition}:${topic}`;

@Injectable()
export class UplinkService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Uplink');
  private readonly config: UplinkConfig;
  private readonly selection: TopicSelection;
  private readonly mirrors = new Map<string, PartitionMirror>();
  /** Journaled partitions not mirrored yet (their topic is not discovered yet). */
  private readonly saved = new Map<string, SavedPartition>();
  private readonly scheduler: MirrorScheduler;
  private readonly groupSync: GroupOffsetSync;
  private readonly timers: Timer[] = [];
  private remote: RemoteCluster | null = null;
  private state: UplinkState = 'off';
  private clusterId: string | null = null;
  private lastRemoteError: string | null = null;
  private probeDelayMs = PROBE_RETRY_MIN_MS;
  private probeTimer: Timer | null = null;
  private discovering: Promise<void> | null = null;
  private discoverAgain = false;
  private groupRound: Promise<void> | null = null;
  private cutoverSinceMs: number | null = null;
  private mirroredRecords = 0;
  private stopped = false;

  constructor(
    @Inject(BLINK_CONFIG) blinkConfig: BlinkConfig,
    private readonly topics: TopicRegistry,
    private readonly events: TopicEvents,
    private readonly retention: RetentionService,
    private readonly fence: WriteFence,
    @Inject(OFFSET_STORE) store: OffsetStore,
    private readonly recovery: StorageRecovery,
    private readonly journal: UplinkJournal,
    private readonly connector: RemoteConnector,
    private readonly probe: UplinkProbe,
    private readonly clock: Clock,
  ) {
    this.config = blinkConfig.uplink;
    this.selection = new TopicSelection(this.config.topics, this.config.topicPrefix);
    this.scheduler = new MirrorScheduler(clock, this.config.maxInFlight);
    this.groupSync = new GroupOffsetSync({
      store,
      logger: this.logger,
      mirrorOf: (topic, partition) => this.mirrors.get(keyOf(topic, partition)),
      remote: () => (this.state === 'remote-unreachable' ? null : this.remote),
      offsetsWritten: (count) => probe.groupOffsetsWritten(count),
    });
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  async onModuleInit(): Promise<void> {
    this.probe.measure(() => this.gauges());
    if (!this.enabled) return;
    this.state = 'starting';
    const journaled = await this.journal.load();
    this.clusterId = journaled.clusterId;
    for (const saved of journaled.partitions) this.saved.set(keyOf(saved.topic, saved.partition), saved);
    if (journaled.fenced) this.closeProduce(this.clock.nowMs());
    this.retention.addHold(this.hold());
    this.journal.describeLiveState(() => ({ clusterId: this.clusterId, fenced: this.fence.active, partitions: this.savedPartitions() }));
    this.events.subscribe({
      partitionsAdded: (topic) => this.topicChanged(topic),
      topicDeleted: (topic) => this.topicDeleted(topic.name),
    });
  }

  onApplicationBootstrap(): void {
    if (this.enabled) void this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.enabled) return;
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.probeTimer?.cancel();
    // In-flight produces are not waited for long: what the remote acknowledged without a
    // journal record is adopted at the next start (partition-mirror.ts, reconciliation).
    let deadline: Timer | undefined;
    await Promise.race([this.scheduler.stop(), new Promise<void>((resolve) => (deadline = this.clock.schedule(SHUTDOWN_WAIT_MS, resolve)))]);
    deadline?.cancel();
    await this.remote?.close();
  }

  // ---- connection --------------------------------------------------------------------------

  private async start(): Promise<void> {
    try {
      await this.recovery.completed();
      const remote = await this.connector.open(this.config);
      if (this.stopped) {
        await remote.close();
        return;
      }
      this.remote = remote;
    } catch (error) {
      this.logger.error(`the uplink cannot start: ${(error as Error).message}`);
      this.lastRemoteError = (error as Error).message;
      return;
    }
    this.state = 'connecting';
    this.logger.log(`uplink to ${this.config.bootstrapServers.join(',')}: connecting`);
    await this.probeRemote();
  }

  /** Asks the remote for its cluster id; on an answer resumes everything, else tries again later. */
  private async probeRemote(): Promise<void> {
    this.probeTimer = null;
    if (this.stopped || this.remote === null) return;
    try {
      this.bindCluster(await this.remote.clusterId());
    } catch (error) {
      this.lastRemoteError = (error as Error).message;
      if (this.stopped) return;
      this.probeTimer = this.clock.schedule(this.probeDelayMs, () => void this.probeRemote());
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, PROBE_RETRY_MAX_MS);
      return;
    }
    if (this.stopped) return;
    const wasDown = this.state === 'remote-unreachable';
    this.state = 'mirroring';
    this.lastRemoteError = null;
    this.probeDelayMs = PROBE_RETRY_MIN_MS;
    if (wasDown) this.logger.log('the remote cluster answers again: mirroring resumes');
    this.startTimers();
    this.requestDiscovery();
    this.scheduler.resume(this.mirrors.values());
  }

  /** The state belongs to one remote cluster: another cluster id means starting over there. */
  private bindCluster(id: string): void {
    if (this.clusterId === id) return;
    if (this.clusterId !== null) {
      this.logger.warn(`the remote cluster id is ${id}, the uplink's state is for ${this.clusterId}: mirroring starts over on the new cluster`);
      this.saved.clear();
    }
    this.clusterId = id;
    this.journal.clusterBound(id);
  }

  private startTimers(): void {
    if (this.timers.length > 0) return;
    this.timers.push(everyUnlessRunning(this.clock, this.config.groupSyncIntervalMs, () => this.syncGroups()));
    this.timers.push(this.clock.every(DISCOVERY_INTERVAL_MS, () => this.requestDiscovery()));
  }

  /** A remote call found no one there: pause until a probe gets an answer. */
  private remoteUnreachable(error: RemoteError): void {
    this.probe.remoteFailed(error.kind);
    this.lastRemoteError = error.message;
    if (this.state === 'remote-unreachable' || this.stopped) return;
    this.state = 'remote-unreachable';
    this.logger.warn(`the remote cluster does not answer (${error.message}): mirroring pauses, Blink keeps the data`);
    this.scheduler.pause();
    this.probeTimer ??= this.clock.schedule(this.probeDelayMs, () => void this.probeRemote());
  }

  // ---- topics and mirrors -------------------------------------------------------------------

  private topicChanged(topic: Topic): void {
    if (this.selection.matches(topic.name)) this.requestDiscovery();
  }

  private topicDeleted(name: string): void {
    if (!this.selection.matches(name)) return;
    for (const [key, mirror] of this.mirrors) {
      if (mirror.topic !== name) continue;
      this.scheduler.remove(mirror);
      this.mirrors.delete(key);
    }
    for (const [key, saved] of this.saved) if (saved.topic === name) this.saved.delete(key);
    this.journal.topicForgotten(name);
  }

  /** Runs a discovery, or another one after the running one. */
  private requestDiscovery(): void {
    if (this.stopped || this.remote === null || this.state === 'remote-unreachable') return;
    if (this.discovering !== null) {
      this.discoverAgain = true;
      return;
    }
    this.discovering = this.discover().finally(() => {
      this.discovering = null;
      if (this.discoverAgain) {
        this.discoverAgain = false;
        this.requestDiscovery();
      }
    });
  }

  private async discover(): Promise<void> {
    for (const topic of [...this.topics.all()]) {
      if (!this.selection.matches(topic.name)) continue;
      try {
        await this.mirrorTopic(topic);
      } catch (error) {
        const remote = RemoteError.from(error, `mirroring topic ${topic.name}`);
        this.lastRemoteError = remote.message;
        if (remote.kind === 'unreachable') {
          this.remoteUnreachable(remote);
          return;
        }
        this.logger.warn(`topic ${topic.name} is not mirrored yet: ${remote.message}`);
      }
    }
  }

  /** Makes sure the remote topic exists with enough partitions, and mirrors every partition. */
  private async mirrorTopic(topic: Topic): Promise<void> {
    const remote = this.remote as RemoteCluster;
    const remoteName = this.selection.remoteName(topic.name);
    const counts = await remote.partitionCounts([remoteName]);
    const remoteCount = counts.get(remoteName);
    if (remoteCount === undefined) await this.createRemoteTopic(remote, topic, remoteName);
    else if (remoteCount < topic.partitions.length) await remote.addPartitions(remoteName, topic.partitions.length);
    const missing = topic.partitions.filter((log) => !this.mirrors.has(keyOf(topic.name, log.partition)));
    if (missing.length === 0 || this.topics.get(topic.name) !== topic) return;
    const fresh = missing.filter((log) => !this.saved.has(keyOf(topic.name, log.partition)));
    const ends = fresh.length === 0 ? new Map() : await remote.offsets(remoteName, fresh.map((log) => log.partition));
    for (const log of missing) this.addMirror(log, remoteName, ends.get(log.partition)?.latest ?? 0);
  }

  private async createRemoteTopic(remote: RemoteCluster, topic: Topic, remoteName: string): Promise<void> {
    const configs = new Map([...topic.overrides].map((name) => [name, topic.configs.get(name) ?? '']));
    try {
      await remote.createTopic(remoteName, topic.partitions.length, configs);
    } catch (error) {
      if (!(error instanceof RemoteError) || error.kind !== 'refused' || configs.size === 0) throw error;
      this.logger.warn(`the remote refused topic ${remoteName} with its configs (${error.message}): created with the remote's defaults`);
      await remote.createTopic(remoteName, topic.partitions.length, new Map());
    }
    this.logger.log(`created ${remoteName} on the remote cluster (${topic.partitions.length} partitions)`);
  }

  private addMirror(log: PartitionLog, remoteName: string, remoteEnd: number): void {
    const key = keyOf(log.topic, log.partition);
    const saved = this.saved.get(key);
    let mirror: PartitionMirror;
    if (saved !== undefined) {
      mirror = PartitionMirror.restored(log, remoteName, saved, this.mirrorContext());
      this.saved.delete(key);
    } else {
      mirror = PartitionMirror.fresh(log, remoteName, remoteEnd, this.mirrorContext());
      if (remoteEnd > 0) this.logger.warn(`${remoteName}-${log.partition} already holds ${remoteEnd} offsets: the uplink appends after them`);
      this.journal.progressed({ topic: log.topic, partition: log.partition, newRuns: [], blinkNext: mirror.map.blinkNext, remoteNext: remoteEnd, producer: null });
    }
    this.mirrors.set(key, mirror);
    log.addListener({ appended: (batch) => (batch === null ? undefined : this.scheduler.wake(mirror)) });
    this.scheduler.wake(mirror);
  }

  private mirrorContext(): MirrorContext {
    const remote = this.remote as RemoteCluster;
    return {
      remote,
      batchMaxBytes: this.config.batchMaxBytes,
      logger: this.logger,
      progressed: (progress) => this.journal.progressed(progress),
      mirrored: (records, bytes) => {
        this.mirroredRecords += records;
        this.probe.mirrored(records, bytes);
      },
      unreachable: (error) => this.remoteUnreachable(error),
      newProducer: async () => ({ ...(await remote.initProducerId()), nextSequence: 0 }),
      nowMs: () => this.clock.nowMs(),
    };
  }

  private savedPartitions(): SavedPartition[] {
    return [...[...this.mirrors.values()].map((mirror) => mirror.saved()), ...this.saved.values()];
  }

  // ---- retention ------------------------------------------------------------------------------

  private hold(): RetentionHold {
    return {
      keeps: this.config.unmirrored === 'keep',
      neededFrom: (log) => {
        if (!this.selection.matches(log.topic)) return Infinity;
        const key = keyOf(log.topic, log.partition);
        return this.mirrors.get(key)?.map.blinkNext ?? this.saved.get(key)?.map.blinkNext ?? log.logStartOffset;
      },
      removedNeeded: (log, from, to) => {
        this.probe.droppedUnmirrored(to - from);
        this.logger.warn(`retention removed offsets ${from}..${to - 1} of ${log.topic}-${log.partition} before the uplink copied them (uplink_unmirrored: drop)`);
      },
    };
  }

  // ---- group offsets -------------------------------------------------------------------------

  /** One group-sync round at a time; a caller during a round waits for it. */
  private syncGroups(): Promise<void> {
    this.groupRound ??= this.groupSync
      .round()
      .catch((error: unknown) => {
        const remote = RemoteError.from(error, 'syncing group offsets');
        if (remote.kind === 'unreachable') this.remoteUnreachable(remote);
        else this.logger.warn(remote.message);
      })
      .finally(() => {
        this.groupRound = null;
      });
    return this.groupRound;
  }

  // ---- cut-over ------------------------------------------------------------------------------

  /**
   * Closes produce on the mirrored topics (NOT_LEADER_OR_FOLLOWER), waits up to `waitMs`
   * for every partition to be mirrored and every group's offsets to be on the remote, and
   * answers where it stands ("ready" once nothing is left).
   */
  async cutover(waitMs: number): Promise<UplinkStatus> {
    if (!this.fence.active) {
      this.closeProduce(this.clock.nowMs());
      this.journal.fenceChanged(true);
      this.logger.log('cut-over: produce on the mirrored topics is closed; draining the uplink');
    }
    const deadline = this.clock.nowMs() + waitMs;
    for (;;) {
      // Once the records are all there, the groups' final offsets translate: copy them now.
      if (this.undrainedPartitions() === 0) await this.syncGroups();
      if (this.waitingFor().length === 0 || this.clock.nowMs() >= deadline || this.stopped) break;
      await this.sleep(Math.min(CUTOVER_POLL_MS, deadline - this.clock.nowMs()));
    }
    if (this.waitingFor().length === 0) this.logger.log(`cut-over: ready to switch to ${this.config.bootstrapServers.join(',')}`);
    return this.status();
  }

  /** Opens produce again (a cut-over abandoned). */
  abortCutover(): UplinkStatus {
    if (this.fence.active) {
      this.fence.open();
      this.cutoverSinceMs = null;
      this.journal.fenceChanged(false);
      this.logger.log('cut-over abandoned: produce on the mirrored topics is open again');
    }
    return this.status();
  }

  private closeProduce(sinceMs: number): void {
    const where = this.config.bootstrapServers.join(',');
    this.fence.close((topic) => (this.selection.matches(topic) ? `topic ${topic} has moved to the Kafka cluster at ${where} (Blink uplink cut-over): set bootstrap.servers to it` : null));
    this.cutoverSinceMs = sinceMs;
  }

  /** What stands between now and "ready to switch". */
  private waitingFor(): string[] {
    const waiting: string[] = [];
    if (this.state !== 'mirroring' && this.state !== 'caught-up') waiting.push(`the remote cluster (${this.state})`);
    const notDrained = this.undrainedPartitions();
    if (notDrained > 0) waiting.push(`${notDrained} partition(s) not fully mirrored`);
    const stuck = [...this.mirrors.values()].filter((mirror) => mirror.isStuck);
    if (stuck.length > 0) waiting.push(`${stuck.length} partition(s) stopped (see stuck)`);
    const pending = this.groupSync.summary().pending;
    if (pending.length > 0) waiting.push(`offsets of ${pending.length} group(s) not yet on the remote`);
    return waiting;
  }

  /** Partitions of mirrored topics not copied up to their end (or not mirrored yet). */
  private undrainedPartitions(): number {
    let count = 0;
    for (const topic of this.topics.all()) {
      if (!this.selection.matches(topic.name)) continue;
      for (const log of topic.partitions) if (!this.mirrors.get(keyOf(log.topic, log.partition))?.drained) count++;
    }
    return count;
  }

  // ---- reports -------------------------------------------------------------------------------

  status(): UplinkStatus {
    const snapshots = [...this.mirrors.values()].map((mirror) => mirror.snapshot());
    const lag = snapshots.reduce((sum, s) => sum + s.lagRecords, 0);
    return {
      enabled: this.enabled,
      state: this.reportedState(lag),
      bootstrapServers: [...this.config.bootstrapServers],
      remoteClusterId: this.clusterId,
      remoteReachable: this.state === 'mirroring',
      lastRemoteError: this.lastRemoteError,
      topics: new Set(snapshots.map((s) => s.topic)).size,
      partitions: snapshots.length,
      lagRecords: lag,
      lagSeconds: this.lagSeconds(),
      mirroredRecords: this.mirroredRecords,
      stuck: snapshots.filter((s) => s.status === 'blocked' || s.status === 'diverged'),
      partitionDetails: snapshots.slice(0, PARTITIONS_REPORTED_MAX),
      groups: this.groupSync.summary(),
      cutover: this.cutoverStatus(),
    };
  }

  private reportedState(lag: number): UplinkState {
    if (this.state === 'mirroring' && lag === 0) return 'caught-up';
    return this.state;
  }

  private cutoverStatus(): CutoverStatus {
    if (!this.fence.active) return { state: 'none', sinceMs: null, waitingFor: [] };
    const waitingFor = this.waitingFor();
    return { state: waitingFor.length === 0 ? 'ready' : 'draining', sinceMs: this.cutoverSinceMs, waitingFor };
  }

  private gauges(): UplinkGauges {
    const topicLag = new Map<string, number>();
    let lagRecords = 0;
    let stuck = 0;
    for (const mirror of this.mirrors.values()) {
      const lag = mirror.lagRecords;
      lagRecords += lag;
      topicLag.set(mirror.topic, (topicLag.get(mirror.topic) ?? 0) + lag);
      if (mirror.isStuck) stuck++;
    }
    const cutover = this.fence.active ? (this.waitingFor().length === 0 ? 2 : 1) : 0;
    return {
      enabled: this.enabled,
      remoteUp: this.state === 'mirroring',
      lagRecords,
      lagSeconds: this.lagSeconds(),
      topicLag,
      partitions: this.mirrors.size,
      stuckPartitions: stuck,
      cutoverState: cutover,
    };
  }

  /** Age of the oldest record not yet mirrored, from the broker's append times (seconds). */
  private lagSeconds(): number {
    const now = this.clock.nowMs();
    let oldest = now;
    for (const mirror of this.mirrors.values()) {
      if (mirror.lagRecords === 0) continue;
      const appended = appendTimeFrom(mirror.log, mirror.map.blinkNext);
      if (appended !== null) oldest = Math.min(oldest, appended);
    }
    return Math.max(0, now - oldest) / 1000;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.schedule(ms, resolve));
  }
}

/** When the batch holding `offset` (or the next one) was appended: from memory, else its segment's newest append (a lower bound of the age). */
function appendTimeFrom(log: PartitionLog, offset: number): number | null {
  if (offset >= log.memoryStartOffset) return log.memoryBatchHolding(offset)?.appendTimeMs ?? null;
  const segment = log.cold?.segments().find((s) => s.nextOffset > offset);
  return segment?.lastAppendTimeMs ?? null;
}
