/**
 * ConfigsService: what AlterConfigs, IncrementalAlterConfigs and DescribeConfigs (and the
 * REST topic description) see of topic and broker configs, with the Kafka error code of
 * every refusal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlterOperation, ConfigResourceType, type ConfigResource } from '../../../src/topics/configs.service.js';
import { isRefusal } from '../../../src/topics/refusal.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { domain } from './support.js';

function fixture() {
  const d = domain();
  const topic = d.registry.create('t', 1, new Map([['retention.ms', '1000']]));
  return { ...d, topic };
}

const TOPIC_T = { resourceType: ConfigResourceType.TOPIC, resourceName: 't' };
const { SET, DELETE, APPEND, SUBTRACT } = AlterOperation;

describe('ConfigsService', () => {
  it('replace (AlterConfigs) replaces every override: unnamed configs return to their default', async () => {
    const { configs, topic } = fixture();
    assert.equal(await configs.replace(TOPIC_T, [{ name: 'retention.bytes', value: '500' }], false), null);
    assert.equal(topic.configs.get('retention.bytes'), '500');
    assert.equal(topic.configs.get('retention.ms'), String(5 * 60_000), 'back to the retention setting');
    assert.deepEqual([...topic.overrides], ['retention.bytes']);
  });

  it('validate_only and invalid values change nothing', async () => {
    const { configs, topic } = fixture();
    assert.equal(await configs.replace(TOPIC_T, [{ name: 'retention.bytes', value: '500' }], true), null);
    const refused = await configs.increment(TOPIC_T, [{ name: 'retention.ms', operation: SET, value: 'soon' }], false);
    assert.equal(refused?.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(refused?.errorMessage ?? '', /invalid value 'soon' for topic config 'retention.ms'/);
    assert.equal(topic.configs.get('retention.ms'), '1000');
    assert.equal(topic.configs.get('retention.bytes'), '-1');
  });

  it('increment (IncrementalAlterConfigs): SET and DELETE one config each, others untouched; APPEND/SUBTRACT on lists only', async () => {
    const { configs, topic } = fixture();
    const changes = [
      { name: 'retention.bytes', operation: SET, value: '42' },
      { name: 'retention.ms', operation: DELETE, value: null },
    ];
    assert.equal(await configs.increment(TOPIC_T, changes, false), null);
    assert.deepEqual([topic.configs.get('retention.bytes'), topic.configs.get('retention.ms')], ['42', String(5 * 60_000)]);
    const notAList = await configs.increment(TOPIC_T, [{ name: 'retention.ms', operation: APPEND, value: '5' }], false);
    assert.equal(notAList?.errorCode, ErrorCode.INVALID_CONFIG, 'retention.ms is not a list');
    assert.equal(await configs.increment(TOPIC_T, [{ name: 'cleanup.policy', operation: APPEND, value: 'delete' }], false), null, 'appending what is there already is a no-op');
    assert.equal(topic.configs.get('cleanup.policy'), 'delete');
    assert.equal(await configs.increment(TOPIC_T, [{ name: 'cleanup.policy', operation: SUBTRACT, value: 'compact' }], false), null, 'subtracting what is not there is a no-op');
    assert.equal(topic.configs.get('cleanup.policy'), 'delete');
    const twice = await configs.increment(TOPIC_T, [{ name: 'retention.bytes', operation: SET, value: '1' }, { name: 'retention.bytes', operation: DELETE, value: null }], false);
    assert.equal(twice?.errorCode, ErrorCode.INVALID_REQUEST);
    const unknownOperation = await configs.increment(TOPIC_T, [{ name: 'retention.bytes', operation: 7, value: '1' }], false);
    assert.equal(unknownOperation?.errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('refuses unknown topics, broker resources and other resource types', async () => {
    const { configs } = fixture();
    const refusals = await Promise.all([
      configs.replace({ resourceType: ConfigResourceType.TOPIC, resourceName: 'nope' }, [], false),
      configs.replace({ resourceType: ConfigResourceType.BROKER, resourceName: '1' }, [{ name: 'log.retention.ms', value: '1' }], false),
      configs.replace({ resourceType: 8, resourceName: 'x' }, [], false),
    ]);
    assert.deepEqual(refusals.map((r) => r?.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  it('a failed write of the topic metadata is KAFKA_STORAGE_ERROR', async () => {
    const { configs, registry } = fixture();
    registry.setLifecycleListener({ partitionsAdded: () => undefined, topicDeleted: () => undefined, configsChanged: () => Promise.reject(new Error('disk full')) });
    const refused = await configs.replace(TOPIC_T, [{ name: 'retention.bytes', value: '500' }], false);
    assert.equal(refused?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(refused?.errorMessage ?? '', /disk full/);
  });

  it('describe: the topic configs with their source, only the keys asked for; the broker settings; refusals', () => {
    const { configs } = fixture();
    const entries = (keys: string[] | null, resource: ConfigResource = TOPIC_T) => {
      const found = configs.describe(resource, keys);
      return isRefusal(found) ? found : found.map(({ name, value, source }) => [name, value, source]);
    };
    const all = entries(null);
    assert.ok(Array.isArray(all) && all.length > 5, 'every topic config');
    assert.deepEqual(entries(['retention.ms', 'retention.bytes']), [['retention.ms', '1000', 'topic'], ['retention.bytes', '-1', 'default']]);
    assert.deepEqual(entries(['auto.create.topics.enable'], { resourceType: ConfigResourceType.BROKER, resourceName: '1' }), [['auto.create.topics.enable', 'true', 'broker']]);
    const refusals = [
      configs.describe({ resourceType: ConfigResourceType.TOPIC, resourceName: 'nope' }, null),
      configs.describe({ resourceType: ConfigResourceType.BROKER, resourceName: '7' }, null),
      configs.describe({ resourceType: 8, resourceName: 'x' }, null),
    ];
    assert.deepEqual(refusals.map((r) => (isRefusal(r) ? r.errorCode : ErrorCode.NONE)), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });
});
