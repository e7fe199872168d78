/**
 * UpdateFeatures (key 57), versions 0-1 (kafka-features, Admin.updateFeatures).
 * Authorization: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * Each update is checked against what this node supports (cluster/features.ts) with Kafka's
 * INVALID_UPDATE_VERSION messages, and the valid ones are finalized (saved first in durable
 * mode) unless validate_only (FeatureUpdatesService). The top-level error is always NONE
 * with an empty message, as Kafka's controller answers.
 * v0: every update is an upgrade (Kafka 3.9 reads the v1 upgrade type's default; the v0
 * allow_downgrade flag does not change that); v1+: upgrade type and validate_only.
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { FeatureUpdatesService } from '../../cluster-admin/feature-updates.service.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { UpdateFeaturesApi, type UpdateFeaturesRequest, type UpdateFeaturesResponse } from '../../wire/messages/57-update-features.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class UpdateFeaturesHandler {
  constructor(
    private readonly featureUpdates: FeatureUpdatesService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(UpdateFeaturesApi, { min: 0, max: 1 })
  async updateFeatures(request: KafkaRequest<UpdateFeaturesRequest>): Promise<UpdateFeaturesResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER, UpdateFeaturesApi);
    if (refused !== null) return refused;
    const { body } = request;
    const updates = body.featureUpdates.map(({ feature, maxVersionLevel, upgradeType }) => ({ feature, level: maxVersionLevel, upgradeType }));
    const results = await this.featureUpdates.update(updates, body.validateOnly);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: '', results };
  }
}
