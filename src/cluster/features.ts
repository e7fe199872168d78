/**
 * Feature flags (KIP-584): the one table of what this broker supports and the levels it has
 * finalized. ApiVersions (v3+) advertises both, UpdateFeatures changes the finalized levels
 * (cluster-admin/feature-updates.service.ts, which also saves them in durable mode), and any
 * part of the broker whose behaviour a level switches reads it here, e.g. the consumer-group
 * protocol of KIP-848 under `group.version` >= 1.
 *
 * The ranges are what Blink really does, not what Kafka 3.9 does:
 * - metadata.version 21 (3.9-IV0) only: Blink speaks Kafka 3.9's protocol and has no
 *   metadata log to downgrade;
 * - kraft.version 0: a static quorum of one voter (no KIP-853 voter changes);
 * - group.version 0-1: 1 is KIP-848's consumer protocol;
 * - transaction.version 0: transactions v2 (KIP-890 part 2) are not offered.
 * Level 0 means "not finalized": Kafka lists a finalized feature only above 0.
 */
import { Injectable } from '@nestjs/common';

export const METADATA_VERSION = 'metadata.version';
export const KRAFT_VERSION = 'kraft.version';
export const GROUP_VERSION = 'group.version';
export const TRANSACTION_VERSION = 'transaction.version';

/** metadata.version 3.9-IV0 (Kafka's MetadataVersion.IBP_3_9_IV0 feature level). */
export const METADATA_VERSION_3_9_IV0 = 21;

export interface SupportedFeature {
  readonly name: string;
  readonly minLevel: number;
  readonly maxLevel: number;
  /** The finalized level of a new node (and of a restart in memory mode). */
  readonly initialLevel: number;
}

export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: METADATA_VERSION, minLevel: METADATA_VERSION_3_9_IV0, maxLevel: METADATA_VERSION_3_9_IV0, initialLevel: METADATA_VERSION_3_9_IV0 },
  { name: KRAFT_VERSION, minLevel: 0, maxLevel: 0, initialLevel: 0 },
  { name: GROUP_VERSION, minLevel: 0, maxLevel: 1, initialLevel: 1 },
  { name: TRANSACTION_VERSION, minLevel: 0, maxLevel: 0, initialLevel: 0 },
];

export function supportedFeature(name: string): SupportedFeature | undefined {
  return SUPPORTED_FEATURES.find((feature) => feature.name === name);
}

export interface FinalizedFeature {
  readonly name: string;
  readonly level: number;
}

/** Called after finalized levels changed, with the features whose level changed. */
export type FeatureListener = (changed: readonly FinalizedFeature[]) => void;

/**
 * The finalized levels and their epoch. The epoch is the metadata offset of the last change
 * (as in Kafka, where it is the offset of the last feature record): 0 for the levels a new
 * node starts with, never lower afterwards.
 */
@Injectable()
export class FinalizedFeatures {
  private readonly levels = new Map(SUPPORTED_FEATURES.map((feature) => [feature.name, feature.initialLevel]));
  private epochValue = 0;
  private readonly listeners = new Set<FeatureListener>();

  /** The finalized level of `name`; 0 for a feature that is not finalized (or unknown). */
  level(name: string): number {
    return this.levels.get(name) ?? 0;
  }

  get epoch(): number {
    return this.epochValue;
  }

  /** Every supported feature and its level (0: not finalized), in table order. */
  all(): FinalizedFeature[] {
    return [...this.levels].map(([name, level]) => ({ name, level }));
  }

  /** The features finalized above level 0, as ApiVersions lists them. */
  finalized(): FinalizedFeature[] {
    return this.all().filter(({ level }) => level > 0);
  }

  /** Sets levels of supported features at `epoch` (an update, or the saved levels at boot) and tells the listeners what changed. */
  apply(levels: ReadonlyMap<string, number>, epoch: number): void {
    const changed: FinalizedFeature[] = [];
    for (const [name, level] of levels) {
      if (!this.levels.has(name)) throw new Error(`feature ${name} is not supported`);
      if (this.levels.get(name) === level) continue;
      this.levels.set(name, level);
      changed.push({ name, level });
    }
    this.epochValue = Math.max(this.epochValue, epoch);
    if (changed.length === 0) return;
    for (const listener of this.listeners) listener(changed);
  }

  /** Returns the unsubscribe function. */
  onChange(listener: FeatureListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
