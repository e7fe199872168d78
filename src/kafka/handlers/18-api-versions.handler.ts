/**
 * ApiVersions (key 18), versions 0-4.
 * Answers with the ranges of every registered handler (the registry is the only source).
 * v1+: throttle_time_ms. v3+: flexible body; the client software name and version must
 * match Kafka's pattern (KIP-511: letters and digits, with '.' and '-' inside), else
 * INVALID_REQUEST with no API list, as Kafka answers; features (KIP-584) from
 * cluster/features.ts: the supported ranges and the finalized levels with their epoch.
 * The client software name and version are kept on the connection: client telemetry
 * subscriptions match on them.
 * v4 (KAFKA-17011): features whose minimum level is 0 are listed; v3 leaves them out, since
 * older clients fail to read a minimum of 0. The response header stays v0 in every version
 * (see headers.ts); versions above 4 are answered by the transport with the v0 error body.
 */
import { Controller } from '@nestjs/common';
import { FinalizedFeatures, SUPPORTED_FEATURES } from '../../cluster/features.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { ApiVersionsApi, type ApiVersionsRequest, type ApiVersionsResponse } from '../../wire/messages/18-api-versions.js';
import { advertisedRanges, ApiRegistry } from '../transport/api-registry.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

/** Kafka's ApiVersionsRequest.SOFTWARE_NAME_VERSION_PATTERN, for the name and for the version. */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
const FIRST_CLIENT_SOFTWARE_VERSION = 3;
const FIRST_VERSION_WITH_MIN_LEVEL_0 = 4;

@Controller()
export class ApiVersionsHandler {
  constructor(
    private readonly registry: ApiRegistry,
    private readonly features: FinalizedFeatures,
  ) {}

  @KafkaApi(ApiVersionsApi, { min: 0, max: 4 })
  async apiVersions({ header, body, connection }: KafkaRequest<ApiVersionsRequest>): Promise<ApiVersionsResponse> {
    const version = header.apiVersion;
    if (version >= FIRST_CLIENT_SOFTWARE_VERSION && !isValidClientSoftware(body)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
    }
    if (version >= FIRST_CLIENT_SOFTWARE_VERSION) connection.clientSoftware = { name: body.clientSoftwareName, version: body.clientSoftwareVersion };
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: advertisedRanges(this.registry),
      throttleTimeMs: 0,
      supportedFeatures: SUPPORTED_FEATURES.filter((feature) => version >= FIRST_VERSION_WITH_MIN_LEVEL_0 || feature.minLevel > 0).map(
        ({ name, minLevel, maxLevel }) => ({ name, minVersion: minLevel, maxVersion: maxLevel }),
      ),
      finalizedFeaturesEpoch: this.features.epoch,
      finalizedFeatures: this.features.finalized().map(({ name, level }) => ({ name, minVersionLevel: level, maxVersionLevel: level })),
    };
  }
}

function isValidClientSoftware({ clientSoftwareName, clientSoftwareVersion }: ApiVersionsRequest): boolean {
  return SOFTWARE_NAME_OR_VERSION.test(clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(clientSoftwareVersion);
}
