import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { CleanerProbe, cleanerMetricProviders } from './cleaner.probe.js';
import { LogCleaner } from './log-cleaner.js';

/**
 * Log compaction: the log cleaner of compacted topics, beside retention (which deletes by
 * time, size and consumption). The WAL module is global: the cleaner rewrites its segments.
 */
@Module({
  imports: [StorageModule],
  providers: [LogCleaner, CleanerProbe, ...cleanerMetricProviders],
  exports: [LogCleaner],
})
export class CompactionModule {}
