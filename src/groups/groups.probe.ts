/**
 * Metrics of the group coordinators' events (classic and consumer-protocol) and committed
 * offsets. The coordinators and the offset manager call intent-named methods; only this class
 * touches prom-client. The per-group series (state, members, committed offsets, lag), read at
 * scrape time, are in group-series.probe.ts.
 */
import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '../common/metric-providers.js';
import type { Counter, Gauge } from 'prom-client';
import { ErrorCode } from '../wire/error-codes.js';
import type { Admission } from './group-table.js';

export const groupsMetricProviders = [
  makeGaugeProvider({ name: 'blink_consumer_groups', help: 'Consumer groups known to the coordinator (any state but Dead)' }),
  makeCounterProvider({ name: 'blink_group_rebalances_total', help: 'Group generations completed with at least one member' }),
  makeCounterProvider({ name: 'blink_group_members_evicted_total', help: 'Members removed for missing their session, join or sync deadline' }),
  makeCounterProvider({ name: 'blink_consumer_group_epochs_total', help: 'Group epochs of consumer-protocol (KIP-848) groups: each subscription, topic or membership change' }),
  makeCounterProvider({
    name: 'blink_consumer_group_assignments_total',
    help: 'Target assignments the broker computed for consumer-protocol (KIP-848) groups, by server assignor',
    labelNames: ['assignor'],
  }),
  makeCounterProvider({ name: 'blink_offset_commits_total', help: 'Partition offsets committed' }),
  makeCounterProvider({ name: 'blink_offsets_expired_total', help: 'Committed offsets removed by offsets retention' }),
  makeCounterProvider({
    name: 'blink_group_creations_refused_total',
    help: 'Group creations refused: a client holding its maximum of groups (client_quota), or a table whose every group has members (table_full)',
    labelNames: ['reason'],
  }),
  makeCounterProvider({ name: 'blink_groups_evicted_total', help: 'Groups without members evicted, with their committed offsets, to make room in a full group table' }),
];

@Injectable()
export class GroupsProbe {
  constructor(
    @InjectMetric('blink_consumer_groups') private readonly groups: Gauge,
    @InjectMetric('blink_group_rebalances_total') private readonly rebalances: Counter,
    @InjectMetric('blink_group_members_evicted_total') private readonly evictions: Counter,
    @InjectMetric('blink_offset_commits_total') private readonly commits: Counter,
    @InjectMetric('blink_offsets_expired_total') private readonly expired: Counter,
    @InjectMetric('blink_consumer_group_epochs_total') private readonly groupEpochs: Counter,
    @InjectMetric('blink_consumer_group_assignments_total') private readonly assignments: Counter<'assignor'>,
    @InjectMetric('blink_group_creations_refused_total') private readonly creationsRefused: Counter<'reason'>,
    @InjectMetric('blink_groups_evicted_total') private readonly groupsEvicted: Counter,
  ) {}

  /** What the group table answered to a creation (group-table.ts `admit`). */
  groupAdmission({ errorCode, evicted }: Admission): void {
    if (evicted !== null) this.groupsEvicted.inc();
    if (errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED) this.creationsRefused.inc({ reason: 'client_quota' });
    else if (errorCode !== ErrorCode.NONE) this.creationsRefused.inc({ reason: 'table_full' });
  }

  groupCountChanged(count: number): void {
    this.groups.set(count);
  }

  rebalanceCompleted(): void {
    this.rebalances.inc();
  }

  memberEvicted(): void {
    this.evictions.inc();
  }

  groupEpochBumped(): void {
    this.groupEpochs.inc();
  }

  assignmentComputed(assignor: string): void {
    this.assignments.inc({ assignor });
  }

  offsetsCommitted(partitions: number): void {
    if (partitions > 0) this.commits.inc(partitions);
  }

  offsetsExpired(partitions: number): void {
    if (partitions > 0) this.expired.inc(partitions);
  }
}
