import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { WalModule } from '../wal/wal.module.js';
import { MemoryPressure } from './memory-pressure.js';
import { RetentionService } from './retention.service.js';

/** Cleanup: time, size and consumption retention, and memory-pressure relief. */
@Module({
  imports: [StorageModule, WalModule],
  providers: [RetentionService, MemoryPressure],
  exports: [RetentionService],
})
export class RetentionModule {}
