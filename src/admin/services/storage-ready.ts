/**
 * While the WAL is still being recovered at boot, every REST route that touches storage
 * answers 503 (topic and partition look-ups are the TopicsService's, as HTTP errors through
 * admin/http/refusals.ts).
 */
import { ServiceUnavailableException } from '@nestjs/common';
import type { RecoveryState } from '../../recovery/storage-recovery.js';

export function requireStorageReady(state: RecoveryState): void {
  if (state === 'done') return;
  throw new ServiceUnavailableException(state === 'failed' ? 'storage recovery failed: the broker cannot serve data' : 'storage is being recovered: try again shortly');
}
