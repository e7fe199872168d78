import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';

/** What every module may use without importing it: the one Clock (time and timers). */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class CommonModule {}
