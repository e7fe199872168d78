/**
 * Whether the application has been asked to stop (the server's SIGTERM/SIGINT handler, main.ts,
 * asks the moment the signal arrives): /health/ready answers 503 from then on
 * (health.controller.ts), so that load balancers and Kubernetes take the broker out of rotation
 * while it drains, not only once the close reaches the REST port (a signal during the boot's
 * last step, app.listen, used to leave it 200 until the boot was over and the close had begun).
 * Part of the broker's core (core.module.ts), not of the REST face: the signal may come
 * before the REST face is loaded.
 */
import { Global, Injectable, Module } from '@nestjs/common';

@Injectable()
export class StopRequest {
  private asked = false;

  get isAsked(): boolean {
    return this.asked;
  }

  ask(): void {
    this.asked = true;
  }
}

@Global()
@Module({ providers: [StopRequest], exports: [StopRequest] })
export class StopRequestModule {}
