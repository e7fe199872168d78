/**
 * Durable mode: configs that clients change at run time and that must survive a restart
 * but belong to no topic (client quotas, CLIENT_METRICS subscriptions), one small JSON file
 * each in `<record_storage_path>/__configs/<name>.json`:
 *   {"version":1,"entries":[…]}   (the entries are the owner's, this class does not read them)
 * Each save replaces the whole file atomically (temporary file, fsync, rename, directory
 * fsync), so a crash leaves the old or the new content, never a mix; saves of one file run in
 * order, so the last one asked for is the one on disk. A file that cannot be read back stops
 * the boot (serving without the quotas or subscriptions it holds would silently change what
 * clients get). Memory mode never writes here, and clears the folder at boot with the rest.
 */
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { KeyedOrder } from '../common/keyed-order.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { DYNAMIC_CONFIGS_DIRECTORY, WalFileSystem } from './wal-file-system.js';

const FILE_VERSION = 1;
const SUFFIX = '.json';
/** Names are fixed by their owners; this keeps a typo from writing outside the folder. */
const FILE_NAME = /^[a-z][a-z0-9-]*$/;

interface DynamicConfigDocument {
  version: number;
  entries: unknown[];
}

@Injectable()
export class DynamicConfigFiles {
  private readonly order = new KeyedOrder();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
  ) {}

  private get directory(): string {
    return join(this.config.recordStoragePath, DYNAMIC_CONFIGS_DIRECTORY);
  }

  /** Replaces the file `name` with `entries`; resolves once it is on disk (fsync unless fsync=never). */
  save(name: string, entries: readonly unknown[]): Promise<void> {
    const path = this.pathOf(name);
    const bytes = Buffer.from(JSON.stringify({ version: FILE_VERSION, entries: [...entries] } satisfies DynamicConfigDocument));
    return this.order.run(name, async () => {
      await this.fs.makeDirectory(this.directory);
      await this.fs.writeAtomically(path, bytes, this.config.fsyncPolicy !== 'never');
    });
  }

  /** The entries saved under `name`, [] when there is no such file. */
  async load(name: string): Promise<unknown[]> {
    const path = this.pathOf(name);
    const bytes = await this.fs.readWhole(path);
    if (bytes === null) return [];
    let parsed: Partial<DynamicConfigDocument>;
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as Partial<DynamicConfigDocument>;
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed.version !== FILE_VERSION || !Array.isArray(parsed.entries)) {
      throw new Error(`${path} is not a Blink config file (version ${FILE_VERSION} with an entries list expected)`);
    }
    return parsed.entries;
  }

  private pathOf(name: string): string {
    if (!FILE_NAME.test(name)) throw new Error(`'${name}' is not a config file name`);
    return join(this.directory, name + SUFFIX);
  }
}
