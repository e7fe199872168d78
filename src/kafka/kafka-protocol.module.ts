import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { ClusterAdminModule } from '../cluster-admin/cluster-admin.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { FetchModule } from '../fetch/fetch.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { ProduceModule } from '../produce/produce.module.js';
import { QuotasModule } from '../quotas/quotas.module.js';
import { TelemetryModule } from '../telemetry/telemetry.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { TopicsModule } from '../topics/topics.module.js';
import { TxnModule } from '../txn/txn.module.js';
import { KAFKA_HANDLERS } from './handlers/index.js';
import { KafkaProbe, kafkaMetricProviders } from './kafka.probe.js';
import { QuotaEnforcement } from './quota-enforcement.js';
import { RequestQuotaInterceptor } from './request-quota.interceptor.js';
import { ApiRegistry } from './transport/api-registry.js';
import { KafkaTransport } from './transport/kafka-transport.js';

/**
 * The Kafka face: the custom transport and one handler (a Nest controller) per API key.
 * Handlers map versions and error codes; the rules live in the services they call.
 */
@Module({
  imports: [AuthorizerModule, StorageModule, GroupsModule, ClusterModule, TopicsModule, ProduceModule, FetchModule, ClusterAdminModule, TxnModule, QuotasModule, TelemetryModule, AuthenticationModule],
  controllers: KAFKA_HANDLERS,
  providers: [KafkaTransport, ApiRegistry, KafkaProbe, ...kafkaMetricProviders, QuotaEnforcement, RequestQuotaInterceptor],
  exports: [KafkaTransport, KafkaProbe, RequestQuotaInterceptor],
})
export class KafkaProtocolModule {}
