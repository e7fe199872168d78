/**
 * UpdateFeatures on a single node, with the checks and messages of Kafka 3.9's controller
 * (FeatureControlManager.updateFeature, QuorumFeatures.reasonNotSupported): each update is
 * judged on its own and the valid ones are finalized even when others are refused; a level
 * outside what this node supports (cluster/features.ts) or a downgrade asked for as an
 * upgrade is INVALID_UPDATE_VERSION; validate_only finalizes nothing. The same feature named
 * twice counts once, with its last level. Finalizing goes through the ClusterMetadataLog
 * (on disk first in durable mode; a failed write is KAFKA_STORAGE_ERROR).
 */
import { Injectable } from '@nestjs/common';
import { ClusterIdentity } from '../cluster/cluster-identity.js';
import { FinalizedFeatures, supportedFeature } from '../cluster/features.js';
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';
import { ClusterMetadataLog } from './cluster-metadata-log.js';

/** Kafka's FeatureUpdate.UpgradeType codes (UpdateFeatures v1+; v0 always means an upgrade). */
export const UpgradeType = { UPGRADE: 1, SAFE_DOWNGRADE: 2, UNSAFE_DOWNGRADE: 3 } as const;

export interface FeatureUpdate {
  readonly feature: string;
  readonly level: number;
  readonly upgradeType: number;
}

export interface FeatureUpdateResult {
  readonly feature: string;
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string | null;
}

@Injectable()
export class FeatureUpdatesService {
  constructor(
    private readonly features: FinalizedFeatures,
    private readonly metadata: ClusterMetadataLog,
    private readonly cluster: ClusterIdentity,
  ) {}

  async update(updates: readonly FeatureUpdate[], validateOnly: boolean): Promise<FeatureUpdateResult[]> {
    const lastByFeature = new Map(updates.map((update) => [update.feature, update]));
    const accepted = new Map<string, number>();
    const results = new Map<string, FeatureUpdateResult>();
    for (const update of lastByFeature.values()) {
      const problem = this.problem(update);
      if (problem !== null) {
        results.set(update.feature, { feature: update.feature, errorCode: ErrorCode.INVALID_UPDATE_VERSION, errorMessage: problem });
        continue;
      }
      results.set(update.feature, { feature: update.feature, errorCode: ErrorCode.NONE, errorMessage: null });
      // Level 0 of a feature this node does not know deletes nothing: it was never finalized.
      if (supportedFeature(update.feature) !== undefined) accepted.set(update.feature, update.level);
    }
    if (!validateOnly && accepted.size > 0) await this.finalize(accepted, results);
    return [...results.values()];
  }

  private async finalize(accepted: ReadonlyMap<string, number>, results: Map<string, FeatureUpdateResult>): Promise<void> {
    try {
      await this.metadata.finalize(accepted);
    } catch (error) {
      const errorMessage = `the feature levels cannot be saved: ${(error as Error).message}`;
      for (const feature of accepted.keys()) results.set(feature, { feature, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage });
    }
  }

  /** Kafka's INVALID_UPDATE_VERSION message for this update, or null when it may be finalized. */
  private problem({ feature, level, upgradeType }: FeatureUpdate): string | null {
    const reason = this.reason(feature, level, upgradeType);
    return reason === null ? null : `Invalid update version ${level} for feature ${feature}. ${reason}`;
  }

  private reason(feature: string, level: number, upgradeType: number): string | null {
    if (!Object.values(UpgradeType).includes(upgradeType as 1)) return 'The controller does not support the given upgrade type.';
    if (level < 0) return 'A feature version cannot be less than 0.';
    const supported = supportedFeature(feature) ?? { minLevel: 0, maxLevel: 0 };
    if (level < supported.minLevel || level > supported.maxLevel) {
      return supported.maxLevel === 0
        ? `Local controller ${this.cluster.nodeId} does not support this feature.`
        : `Local controller ${this.cluster.nodeId} only supports versions ${supported.minLevel}-${supported.maxLevel}`;
    }
    if (level < this.features.level(feature) && upgradeType === UpgradeType.UPGRADE) {
      return "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade.";
    }
    return null;
  }
}
