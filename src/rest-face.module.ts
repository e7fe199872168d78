/**
 * The REST face on rest_port: the /prometheus endpoint (PrometheusModule, with prom-client's
 * process metrics), Terminus health (HealthModule), the admin API, dashboard and OpenAPI
 * (AdminModule), and their HTTP set-up (configureAdminHttp). None of it is on the Kafka path,
 * and its modules (Swagger's decorators, Terminus, the DTOs, the dashboard's assets) are a fifth
 * of a boot: blink-app.ts loads this module with import() and Nest's LazyModuleLoader into the
 * running application once the Kafka listeners are bound, before the REST routes are registered
 * and the port listens (the bundle, tools/bundle.mjs, evaluates it only then). Every provider
 * here uses modules of the broker's core (core.module.ts), which are built by then.
 */
import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { AdminModule } from './admin/admin.module.js';
import { DocumentedPrometheusController } from './admin/controllers/prometheus.controller.js';
import { HealthModule } from './health/health.module.js';

export { configureAdminHttp } from './admin/admin-http.js';

@Module({
  imports: [
    // prom-client's process metrics were registered with the core (BrokerCoreModule.forRoot).
    PrometheusModule.register({ path: '/prometheus', defaultMetrics: { enabled: false }, controller: DocumentedPrometheusController }),
    HealthModule,
    AdminModule,
  ],
})
export class RestFaceModule {}
