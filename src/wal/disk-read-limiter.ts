/**
 * Bounds the WAL reads in flight across all partitions (Fetch of offloaded data, ListOffsets
 * by time): at most DISK_READS_IN_FLIGHT_MAX at once; further reads wait in FIFO order. The
 * queue itself is bounded by the callers: one request at a time per connection, each naming
 * a bounded number of partitions. Libuv runs file I/O on 4 threads by default, so more
 * parallel reads would only queue there, holding their buffers longer.
 */
import { Injectable } from '@nestjs/common';
import { ConcurrencyLimit } from '../common/concurrency-limit.js';

export const DISK_READS_IN_FLIGHT_MAX = 8;

@Injectable()
export class DiskReadLimiter extends ConcurrencyLimit {
  constructor() {
    super(DISK_READS_IN_FLIGHT_MAX);
  }
}
