/**
 * The node's metadata offset and, in durable mode, the file that keeps it across restarts
 * with the finalized feature levels. Kafka numbers every metadata change (a record in its
 * `__cluster_metadata` log); Blink keeps no such log but counts the same changes, so
 * DescribeQuorum has a high watermark that moves with them and the finalized-features epoch
 * is, as in Kafka, the offset of the last feature change. Counted: every topic change
 * (TopicEvents: created, grown, configs changed, deleted), every feature update, and each
 * durable boot (Kafka's broker registration).
 *
 * On disk: `<record_storage_path>/__cluster_metadata/metadata.json`, replaced atomically:
 *   {"version":1,"offset":42,"featuresEpoch":40,"features":{"metadata.version":21,"group.version":1,…}}
 * A feature update is answered once the file holds it (its levels are used only then); topic
 * changes are saved after the fact, coalesced, so a crash may lose the count of the last
 * few (never a level, never a topic). A file this build cannot read, or naming a level it
 * does not support, stops the boot: serving other levels would change what clients were told.
 */
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { FinalizedFeatures, supportedFeature } from '../cluster/features.js';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { TopicEvents, type TopicListener } from '../storage/topic-events.js';
import { CLUSTER_METADATA_DIRECTORY, WalFileSystem } from '../wal/wal-file-system.js';

const FILE_NAME = 'metadata.json';
const FILE_VERSION = 1;

interface MetadataFile {
  version: number;
  offset: number;
  featuresEpoch: number;
  features: Record<string, number>;
}

@Injectable()
export class ClusterMetadataLog implements TopicListener, OnApplicationShutdown {
  private readonly log = new Logger('ClusterMetadata');
  private offset = 0;
  /** Every file write and feature update, one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private saveQueued = false;

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
    private readonly features: FinalizedFeatures,
    events: TopicEvents,
  ) {
    events.subscribe(this);
  }

  /** The offset of the last metadata change (0: the node's bootstrap). */
  get lastOffset(): number {
    return this.offset;
  }

  private get durable(): boolean {
    return this.config.storageMode === 'durable';
  }

  private get path(): string {
    return join(this.config.recordStoragePath, CLUSTER_METADATA_DIRECTORY, FILE_NAME);
  }

  /** A save still queued finishes before the process exits (one small file). */
  onApplicationShutdown(): Promise<void> {
    return this.chain;
  }

  partitionsAdded(): void {
    this.countChange();
  }

  configsChanged(): void {
    this.countChange();
  }

  topicDeleted(): void {
    this.countChange();
  }

  /**
   * Finalizes `levels` (validated by the caller) as the next metadata change: in durable
   * mode once they are on disk. Rejects, changing nothing, when the file cannot be written.
   */
  finalize(levels: ReadonlyMap<string, number>): Promise<void> {
    return this.inOrder(async () => {
      // Taken before the write, so a topic change counted meanwhile gets the next offset (a failed write leaves a gap).
      const offset = ++this.offset;
      if (this.durable) await this.write(this.offset, offset, { ...this.currentLevels(), ...Object.fromEntries(levels) });
      this.features.apply(levels, offset);
    });
  }

  /** Durable boot (before the Kafka listeners open): the saved offset and levels, then this boot counted. */
  async recover(): Promise<void> {
    const bytes = await this.fs.readWhole(this.path);
    if (bytes !== null) {
      const saved = parseMetadataFile(bytes, this.path);
      this.offset = saved.offset;
      this.features.apply(new Map(Object.entries(saved.features)), saved.featuresEpoch);
    }
    this.offset++;
    await this.inOrder(() => this.write(this.offset, this.features.epoch, this.currentLevels()));
  }

  private countChange(): void {
    this.offset++;
    if (!this.durable || this.saveQueued) return;
    this.saveQueued = true;
    this.inOrder(() => {
      this.saveQueued = false;
      return this.write(this.offset, this.features.epoch, this.currentLevels());
    }).catch((error: Error) => this.log.warn(`cannot save the metadata offset ${this.offset} in ${this.path}: ${error.message}`));
  }

  private currentLevels(): Record<string, number> {
    return Object.fromEntries(this.features.all().map(({ name, level }) => [name, level]));
  }

  private async write(offset: number, featuresEpoch: number, features: Record<string, number>): Promise<void> {
    const file: MetadataFile = { version: FILE_VERSION, offset, featuresEpoch, features };
    await this.fs.makeDirectory(join(this.config.recordStoragePath, CLUSTER_METADATA_DIRECTORY));
    await this.fs.writeAtomically(this.path, Buffer.from(JSON.stringify(file)), this.config.fsyncPolicy !== 'never');
  }

  private inOrder(operation: () => Promise<void>): Promise<void> {
    const result = this.chain.then(operation, operation);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** The saved file, checked: a version, offsets and levels this build understands. */
export function parseMetadataFile(bytes: Buffer, path: string): MetadataFile {
  let file: MetadataFile;
  try {
    file = JSON.parse(bytes.toString('utf8')) as MetadataFile;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}): fix or remove it (the feature levels it held are then the defaults)`);
  }
  if (file?.version !== FILE_VERSION || !Number.isSafeInteger(file.offset) || !Number.isSafeInteger(file.featuresEpoch) || typeof file.features !== 'object' || file.features === null) {
    throw new Error(`${path} is not node metadata of version ${FILE_VERSION}: ${bytes.toString('utf8').slice(0, 200)}`);
  }
  for (const [name, level] of Object.entries(file.features)) {
    const supported = supportedFeature(name);
    if (supported === undefined || !Number.isInteger(level) || level < supported.minLevel || level > supported.maxLevel) {
      const range = supported === undefined ? 'an unknown feature' : `supported at ${supported.minLevel}-${supported.maxLevel}`;
      throw new Error(`${path} finalizes ${name} at level ${level}, but this build does not support it (${range})`);
    }
  }
  return file;
}
