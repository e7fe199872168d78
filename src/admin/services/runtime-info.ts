import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';

/** How far up from this file package.json may be (dist/admin/services, dist-test/src/admin/services). */
const PACKAGE_SEARCH_LEVELS = 5;

export interface PackageIdentity {
  readonly name: string;
  readonly version: string;
}

/** The nearest package.json above `from` naming the broker's package ("blink"). */
function readPackageIdentity(from: string): PackageIdentity {
  let dir = from;
  for (let level = 0; level < PACKAGE_SEARCH_LEVELS; level++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as Partial<PackageIdentity>;
      if (parsed.name === 'blink' && typeof parsed.version === 'string') return { name: parsed.name, version: parsed.version };
    }
    dir = dirname(dir);
  }
  return { name: 'blink', version: 'unknown' };
}

/**
 * The process as the admin API reports it: the broker's name and version (read once from
 * package.json, which every build and the container image ship), when it started, Node's
 * version, and memory usage.
 */
@Injectable()
export class RuntimeInfo {
  readonly identity: PackageIdentity = readPackageIdentity(import.meta.dirname);
  readonly startedAtMs: number;

  constructor(private readonly clock: Clock) {
    this.startedAtMs = clock.nowMs();
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  uptimeMs(): number {
    return this.clock.nowMs() - this.startedAtMs;
  }

  get nodeVersion(): string {
    return process.version;
  }

  get platform(): string {
    return `${process.platform}-${process.arch}`;
  }

  memoryUsage(): NodeJS.MemoryUsage {
    return process.memoryUsage();
  }
}
