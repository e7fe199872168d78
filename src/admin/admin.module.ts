import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { FetchModule } from '../fetch/fetch.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { ProduceModule } from '../produce/produce.module.js';
import { RecoveryModule } from '../recovery/recovery.module.js';
import { AdminProbe, adminMetricProviders } from './admin.probe.js';
import { MetricsReader } from './services/metrics-reader.js';
import { PluginModule } from '../plugins/plugins.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { TxnModule } from '../txn/txn.module.js';
import { WalModule } from '../wal/wal.module.js';
import { BrokerController } from './controllers/broker.controller.js';
import { GroupsController } from './controllers/groups.controller.js';
import { PluginsController } from './controllers/plugins.controller.js';
import { SeedController } from './controllers/seed.controller.js';
import { TopicsController } from './controllers/topics.controller.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { AdminAuthorization } from './http/admin-acl.js';
import { AdminAuthentication } from './http/admin-authentication.js';
import { UplinkController } from './controllers/uplink.controller.js';
import { UplinkModule } from '../uplink/uplink.module.js';
import { AdminTokenCheck } from './http/admin-token.js';
import { HttpRouteTable } from './http/route-table.js';
import { BrokerInfo } from './services/broker-info.service.js';
import { GroupAdmin } from './services/group-admin.service.js';
import { Overview } from './services/overview.service.js';
import { RestPartitioner } from './services/partitioner.js';
import { PluginAdmin } from './services/plugin-admin.service.js';
import { RecordProducer } from './services/record-producer.service.js';
import { RecordReader } from './services/record-reader.service.js';
import { RootPage } from './services/root-page.service.js';
import { RuntimeInfo } from './services/runtime-info.js';
import { StorageReport } from './services/storage-report.service.js';
import { TopicAdmin } from './services/topic-admin.service.js';

/**
 * The REST face on rest_port: the seed's routes, the resource API under /api/v1, the
 * dashboard, OpenAPI (admin-http.ts sets up the HTTP-only pieces: validation, errors, the
 * token check, security headers, request metrics, Swagger UI). Controllers delegate to the
 * services here, which use what the other modules export.
 */
@Module({
  imports: [AuthenticationModule, AuthorizerModule, StorageModule, WalModule, RetentionModule, GroupsModule, PluginModule, ClusterModule, TopicsModule, ProduceModule, FetchModule, RecoveryModule, TxnModule, TelemetryModule, UplinkModule],
  controllers: [SeedController, TopicsController, GroupsController, PluginsController, BrokerController, DashboardController, UplinkController],
  providers: [
    RuntimeInfo,
    AdminTokenCheck,
    AdminAuthentication,
    AdminAuthorization,
    HttpRouteTable,
    AdminProbe,
    ...adminMetricProviders,
    MetricsReader,
    StorageReport,
    TopicAdmin,
    RestPartitioner,
    RecordProducer,
    RecordReader,
    GroupAdmin,
    PluginAdmin,
    BrokerInfo,
    Overview,
    RootPage,
  ],
})
export class AdminModule {}
