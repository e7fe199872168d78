import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { RetentionService } from './retention.service.js';

@Module({
  imports: [StorageModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
