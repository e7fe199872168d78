/**
 * ApiVersions (key 18), versions 0-3.
 * Answers with the ranges of every registered handler (the registry is the only source).
 * v1+: throttle_time_ms. v3: flexible body, client software name/version in the request
 * (accepted as sent, and kept on the connection: client telemetry subscriptions match on them). The response header stays v0 in every version (see headers.ts);
 * versions above 3 are answered by the transport with the v0 error body.
 */
import { Controller } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import { ApiVersionsApi, type ApiVersionsRequest, type ApiVersionsResponse } from '../../wire/messages/18-api-versions.js';
import { advertisedRanges, ApiRegistry } from '../transport/api-registry.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

@Controller()
export class ApiVersionsHandler {
  constructor(private readonly registry: ApiRegistry) {}

  @KafkaApi(ApiVersionsApi, { min: 0, max: 3 })
  async apiVersions({ header, body, connection }: KafkaRequest<ApiVersionsRequest>): Promise<ApiVersionsResponse> {
    if (header.apiVersion >= 3) connection.clientSoftware = { name: body.clientSoftwareName, version: body.clientSoftwareVersion };
    return { errorCode: ErrorCode.NONE, apiKeys: advertisedRanges(this.registry), throttleTimeMs: 0 };
  }
}
