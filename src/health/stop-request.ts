/**
 * Whether the application has been asked to stop: /health/ready answers 503 ('shutdown' down)
 * from then on (health.controller.ts), so that load balancers and Kubernetes take the broker out
 * of rotation. Asked by every close of the application (app.close(): an embedded broker's stop(),
 * the server's shutdown) in its onModuleDestroy hook: Nest runs every onModuleDestroy (this
 * global module's after the others', none of which waits for anything), then every
 * beforeApplicationShutdown (Terminus's own marks its checks
 * 'shutting_down', also 503), then closes the REST face (Fastify answers 503 itself once closing,
 * then refuses connections) and only then drains the Kafka transport (parked fetches answered,
 * in-flight requests waited for). Asked earlier when a stop comes during the boot, whose close
 * waits for the boot step under way: the server's SIGTERM/SIGINT handler (main.ts) and
 * listenBlinkApp's `stop` (blink-app.ts: a signal, an embedded start called off) ask at once (a
 * stop during the boot's last step, app.listen, used to leave it 200 until the boot was over).
 * Part of the broker's core (core.module.ts), not of the REST face: the stop may come before
 * the REST face is loaded.
 */
import { Global, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';

@Injectable()
export class StopRequest implements OnModuleDestroy {
  private asked = false;

  get isAsked(): boolean {
    return this.asked;
  }

  ask(): void {
    this.asked = true;
  }

  /** The close has begun: Nest runs the onModuleDestroy hooks before anything closes. */
  onModuleDestroy(): void {
    this.ask();
  }
}

@Global()
@Module({ providers: [StopRequest], exports: [StopRequest] })
export class StopRequestModule {}
