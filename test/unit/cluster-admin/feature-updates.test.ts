/**
 * UpdateFeatures on one node (FeatureUpdatesService over the ClusterMetadataLog and the
 * FinalizedFeatures table), with a file system held in memory: Kafka 3.9's checks and
 * messages, valid updates applied beside refused ones, validate-only, the epoch as the
 * metadata offset, listeners told what changed, and in durable mode nothing finalized
 * before it is written (a failed write is KAFKA_STORAGE_ERROR and changes nothing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterMetadataLog } from '../../../src/cluster-admin/cluster-metadata-log.js';
import { FeatureUpdatesService, UpgradeType } from '../../../src/cluster-admin/feature-updates.service.js';
import { ClusterIdentity } from '../../../src/cluster/cluster-identity.js';
import { ListenerStatus } from '../../../src/cluster/listener-status.js';
import { FinalizedFeatures, GROUP_VERSION, type FinalizedFeature } from '../../../src/cluster/features.js';
import { loadSettings } from '../../../src/config/settings.js';
import { TopicEvents } from '../../../src/storage/topic-events.js';
import type { WalFileSystem } from '../../../src/wal/wal-file-system.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';

/** The part of WalFileSystem the metadata log uses, in memory; `failing` makes writes throw. */
class MemoryFiles {
  readonly files = new Map<string, Buffer>();
  failing = false;
  /** When set, writes wait for it. */
  gate: Promise<void> | null = null;

  async makeDirectory(): Promise<void> {}

  async readWhole(path: string): Promise<Buffer | null> {
    return this.files.get(path) ?? null;
  }

  async writeAtomically(path: string, data: Buffer): Promise<void> {
    await this.gate;
    if (this.failing) throw new Error('ENOSPC: no space left on device');
    this.files.set(path, data);
  }

  saved(): { offset: number; featuresEpoch: number; features: Record<string, number> } | null {
    const [bytes] = this.files.values();
    return bytes === undefined ? null : JSON.parse(bytes.toString('utf8'));
  }
}

function node(storageMode: 'memory' | 'durable' = 'memory') {
  const config = loadSettings({ argv: [], env: { STORAGE_MODE: storageMode, RECORD_STORAGE_PATH: '/data' }, cwd: '/' });
  const files = new MemoryFiles();
  const features = new FinalizedFeatures();
  const events = new TopicEvents();
  const metadata = new ClusterMetadataLog(config, files as unknown as WalFileSystem, features, events);
  const updates = new FeatureUpdatesService(features, metadata, new ClusterIdentity(config, new ListenerStatus()));
  return { files, features, events, metadata, updates };
}

const update = (feature: string, level: number, upgradeType: number = UpgradeType.UPGRADE) => ({ feature, level, upgradeType });
const invalid = (feature: string, level: number, reason: string) => ({
  feature,
  errorCode: ErrorCode.INVALID_UPDATE_VERSION,
  errorMessage: `Invalid update version ${level} for feature ${feature}. ${reason}`,
});
const ok = (feature: string) => ({ feature, errorCode: ErrorCode.NONE, errorMessage: null });

describe('UpdateFeatures on one node', () => {
  it("refuses what this node does not support, with Kafka's messages", async () => {
    const { updates } = node();
    assert.deepEqual(
      await updates.update(
        [update('metadata.version', 22), update('transaction.version', 2), update('foo.version', 1), update('kraft.version', -1), update('group.version', 1, 7)],
        false,
      ),
      [
        invalid('metadata.version', 22, 'Local controller 1 only supports versions 21-21'),
        invalid('transaction.version', 2, 'Local controller 1 does not support this feature.'),
        invalid('foo.version', 1, 'Local controller 1 does not support this feature.'),
        invalid('kraft.version', -1, 'A feature version cannot be less than 0.'),
        invalid('group.version', 1, 'The controller does not support the given upgrade type.'),
      ],
    );
  });

  it('a downgrade must say so; then the level goes down, the epoch moves and listeners hear of it', async () => {
    const { updates, features } = node();
    const heard: FinalizedFeature[][] = [];
    features.onChange((changed) => heard.push([...changed]));
    assert.deepEqual(await updates.update([update(GROUP_VERSION, 0)], false), [
      invalid(GROUP_VERSION, 0, "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."),
    ]);
    assert.equal(features.level(GROUP_VERSION), 1);
    assert.deepEqual(await updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], false), [ok(GROUP_VERSION)]);
    assert.equal(features.level(GROUP_VERSION), 0);
    assert.deepEqual(features.finalized(), [{ name: 'metadata.version', level: 21 }], 'level 0 is not finalized');
    assert.equal(features.epoch, 1);
    assert.deepEqual(heard, [[{ name: GROUP_VERSION, level: 0 }]]);
  });

  it('applies the valid updates beside refused ones; the same feature twice counts once, with its last level', async () => {
    const { updates, features } = node();
    await updates.update([update(GROUP_VERSION, 0, UpgradeType.UNSAFE_DOWNGRADE)], false);
    const results = await updates.update([update(GROUP_VERSION, 0), update('transaction.version', 1), update(GROUP_VERSION, 1)], false);
    assert.deepEqual(results, [ok(GROUP_VERSION), invalid('transaction.version', 1, 'Local controller 1 does not support this feature.')]);
    assert.equal(features.level(GROUP_VERSION), 1);
  });

  it('validate-only finalizes nothing; an update to the same level is still a change of epoch (as in Kafka)', async () => {
    const { updates, features } = node();
    assert.deepEqual(await updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], true), [ok(GROUP_VERSION)]);
    assert.deepEqual([features.level(GROUP_VERSION), features.epoch], [1, 0]);
    assert.deepEqual(await updates.update([update(GROUP_VERSION, 1), update('unknown.feature', 0)], false), [ok(GROUP_VERSION), ok('unknown.feature')]);
    assert.deepEqual([features.level(GROUP_VERSION), features.epoch], [1, 1]);
  });

  it('the epoch is the metadata offset of the change: topic changes move the offset too', async () => {
    const { updates, features, events, metadata } = node();
    const topic = { name: 't' } as Parameters<TopicEvents['topicDeleted']>[0];
    events.partitionsAdded(topic, 0);
    events.configsChanged(topic);
    assert.equal(metadata.lastOffset, 2);
    await updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], false);
    assert.deepEqual([metadata.lastOffset, features.epoch], [3, 3]);
  });
});

describe('UpdateFeatures in durable mode', () => {
  it('writes the levels before finalizing them, with the offset; a new node starts from the file', async () => {
    const first = node('durable');
    assert.deepEqual(await first.updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], false), [ok(GROUP_VERSION)]);
    assert.deepEqual(first.files.saved(), {
      version: 1,
      offset: 1,
      featuresEpoch: 1,
      features: { 'metadata.version': 21, 'kraft.version': 0, 'group.version': 0, 'transaction.version': 0 },
    });

    const second = node('durable');
    for (const [path, bytes] of first.files.files) second.files.files.set(path, bytes);
    await second.metadata.recover();
    assert.equal(second.features.level(GROUP_VERSION), 0, 'the saved level, not the initial one');
    assert.equal(second.features.epoch, 1);
    assert.equal(second.metadata.lastOffset, 2, 'the boot is a metadata change');
    assert.equal(second.files.saved()!.offset, 2);
  });

  it('a topic change counted while a feature update is being written gets the next offset', async () => {
    const { updates, features, events, metadata, files } = node('durable');
    let open!: () => void;
    files.gate = new Promise((resolve) => (open = resolve));
    const updating = updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], false);
    await new Promise((resolve) => setImmediate(resolve));
    events.topicDeleted({ name: 't' } as Parameters<TopicEvents['topicDeleted']>[0]);
    open();
    await updating;
    assert.deepEqual([features.epoch, metadata.lastOffset], [1, 2]);
    await metadata.onApplicationShutdown();
    assert.equal(files.saved()!.offset, 2, 'the coalesced save after the update holds the topic change');
  });

  it('a write that fails is KAFKA_STORAGE_ERROR and finalizes nothing', async () => {
    const { updates, features, files } = node('durable');
    files.failing = true;
    const [result] = await updates.update([update(GROUP_VERSION, 0, UpgradeType.SAFE_DOWNGRADE)], false);
    assert.equal(result!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(result!.errorMessage ?? '', /ENOSPC/);
    assert.deepEqual([features.level(GROUP_VERSION), features.epoch], [1, 0]);
  });

  it('refuses to boot from a file naming a level this build does not support', async () => {
    const { files, metadata } = node('durable');
    files.files.set('/data/__cluster_metadata/metadata.json', Buffer.from(JSON.stringify({ version: 1, offset: 5, featuresEpoch: 5, features: { 'transaction.version': 2 } })));
    await assert.rejects(metadata.recover(), /finalizes transaction\.version at level 2, but this build does not support it \(supported at 0-0\)/);
    files.files.set('/data/__cluster_metadata/metadata.json', Buffer.from('{"version":1,'));
    await assert.rejects(metadata.recover(), /is not valid JSON/);
  });
});
