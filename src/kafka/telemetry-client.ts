/** The telemetry view of a request's client (ClientMetrics matches subscriptions on it). */
import type { TelemetryClient } from '../telemetry/client-metrics.service.js';
import type { KafkaRequest } from './transport/kafka-request.js';

export function telemetryClient(request: KafkaRequest<unknown>): TelemetryClient {
  return {
    clientId: request.header.clientId ?? '',
    softwareName: request.connection.clientSoftware?.name ?? '',
    softwareVersion: request.connection.clientSoftware?.version ?? '',
    sourceAddress: request.clientHost,
    sourcePort: request.connection.clientPort,
  };
}
