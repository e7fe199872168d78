/**
 * Durable mode: topic metadata that must survive a restart, one JSON file per topic in
 * `<record_storage_path>/__topics/<topic name>.json`:
 *   {"version":1,"name":"orders","id":"<uuid>","partitions":3,"overrides":{"retention.ms":"60000"}}
 * Each file is replaced atomically (temporary file, fsync, rename, directory fsync), so a
 * crash leaves the old or the new content, never a mix. Writes for one topic run in order.
 * Topic names are [a-zA-Z0-9._-]: always a valid file name, and `__topics` cannot clash with
 * a partition directory (those end in `-<number>`).
 * Nothing is rebuilt from other files: a topic without a metadata file does not exist after
 * a restart (its partition directories are removed as orphans).
 */
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { KeyedOrder } from '../common/keyed-order.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import type { TopicDescription } from '../storage/topic-registry.js';
import { WalFileSystem } from './wal-file-system.js';

export const TOPICS_DIRECTORY = '__topics';
const METADATA_VERSION = 1;
const SUFFIX = '.json';

interface TopicMetadataFile {
  version: number;
  name: string;
  id: string;
  partitions: number;
  overrides: Record<string, string>;
}

@Injectable()
export class TopicCatalog {
  private readonly order = new KeyedOrder();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
  ) {}

  private get directory(): string {
    return join(this.config.recordStoragePath, TOPICS_DIRECTORY);
  }

  save(topic: TopicDescription): Promise<void> {
    const file: TopicMetadataFile = {
      version: METADATA_VERSION,
      name: topic.name,
      id: topic.id,
      partitions: topic.partitionCount,
      overrides: Object.fromEntries(topic.overrides),
    };
    return this.order.run(topic.name, async () => {
      await this.fs.makeDirectory(this.directory);
      await this.fs.writeAtomically(join(this.directory, topic.name + SUFFIX), Buffer.from(JSON.stringify(file)), this.config.fsyncPolicy !== 'never');
    });
  }

  remove(name: string): Promise<void> {
    return this.order.run(name, async () => {
      await this.fs.deleteFile(join(this.directory, name + SUFFIX));
      if (this.config.fsyncPolicy !== 'never') await this.fs.syncDirectory(this.directory);
    });
  }

  /** Every saved topic; a file that cannot be read as topic metadata stops the boot (its data would be dropped otherwise). */
  async loadAll(): Promise<TopicDescription[]> {
    const names = (await this.fs.list(this.directory)).filter((name) => name.endsWith(SUFFIX));
    const topics: TopicDescription[] = [];
    for (const fileName of names.sort()) {
      const bytes = await this.fs.readWhole(join(this.directory, fileName));
      if (bytes === null) continue;
      topics.push(parseMetadata(bytes, join(this.directory, fileName)));
    }
    return topics;
  }
}

function parseMetadata(bytes: Buffer, path: string): TopicDescription {
  let parsed: Partial<TopicMetadataFile>;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as Partial<TopicMetadataFile>;
  } catch (error) {
    throw new Error(`${path} is not valid topic metadata: ${(error as Error).message}`);
  }
  const valid =
    parsed.version === METADATA_VERSION &&
    typeof parsed.name === 'string' &&
    typeof parsed.id === 'string' &&
    Number.isInteger(parsed.partitions) &&
    (parsed.partitions as number) > 0 &&
    typeof parsed.overrides === 'object' &&
    parsed.overrides !== null;
  if (!valid || `${parsed.name}${SUFFIX}` !== path.slice(path.lastIndexOf('/') + 1)) {
    throw new Error(`${path} is not valid topic metadata (version ${METADATA_VERSION} expected)`);
  }
  return {
    name: parsed.name as string,
    id: parsed.id as string,
    partitionCount: parsed.partitions as number,
    overrides: new Map(Object.entries(parsed.overrides as Record<string, string>)),
  };
}
