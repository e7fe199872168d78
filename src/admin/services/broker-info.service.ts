import { Inject, Injectable } from '@nestjs/common';
import { BLINK_CONFIG, describeSettings, type BlinkConfig } from '../../config/settings.js';
import { ClusterIdentity } from '../../cluster/cluster-identity.js';
import { FinalizedFeatures, SUPPORTED_FEATURES } from '../../cluster/features.js';
import { ListenerStatus } from '../../cluster/listener-status.js';
import { defaultTopicConfigs, topicConfigDefaultsOf } from '../../storage/topic-config.js';
import type { BrokerConfigDto, BrokerDto, RouteDto } from '../dto/broker.dto.js';
import type { VersionDto } from '../dto/seed.dto.js';
import { AdminTokenCheck } from '../http/admin-token.js';
import { HttpRouteTable } from '../http/route-table.js';
import { RuntimeInfo } from './runtime-info.js';

/** The broker as a resource: identity, version, uptime, listeners, feature levels, effective settings (secrets redacted), HTTP routes. */
@Injectable()
export class BrokerInfo {
  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly cluster: ClusterIdentity,
    private readonly listeners: ListenerStatus,
    private readonly features: FinalizedFeatures,
    private readonly runtime: RuntimeInfo,
    private readonly token: AdminTokenCheck,
    private readonly routeTable: HttpRouteTable,
  ) {}

  version(): VersionDto {
    return {
      name: this.runtime.identity.name,
      version: this.runtime.identity.version,
      node: this.runtime.nodeVersion,
      platform: this.runtime.platform,
      startedAt: new Date(this.runtime.startedAtMs).toISOString(),
      settings: describeSettings(this.config),
    };
  }

  broker(): BrokerDto {
    const host = this.config.kafkaHostname;
    const kafkaPorts = this.listeners.isListening ? this.listeners.boundPorts : this.config.brokerPorts;
    return {
      nodeId: this.cluster.nodeId,
      clusterId: this.cluster.clusterId,
      version: this.runtime.identity.version,
      startedAt: new Date(this.runtime.startedAtMs).toISOString(),
      uptimeMs: this.runtime.uptimeMs(),
      storageMode: this.config.storageMode,
      consumerGroupsEnabled: this.config.enableConsumerGroups,
      adminTokenRequired: this.token.required,
      listeners: [
        ...kafkaPorts.map((port) => ({ protocol: 'kafka' as const, host, port, advertisedHost: this.cluster.advertisedHost, bound: this.listeners.isListening })),
        // This answer itself comes through the REST listener.
        { protocol: 'rest' as const, host, port: this.config.restPort, advertisedHost: host, bound: true },
      ],
      features: SUPPORTED_FEATURES.map(({ name, minLevel, maxLevel }) => ({ name, minLevel, maxLevel, finalizedLevel: this.features.level(name) })),
    };
  }

  configuration(): BrokerConfigDto {
    const topicDefaults = defaultTopicConfigs(topicConfigDefaultsOf(this.config));
    return { settings: describeSettings(this.config), topicDefaults: Object.fromEntries(topicDefaults) };
  }

  routes(): RouteDto[] {
    return this.routeTable.list();
  }
}
