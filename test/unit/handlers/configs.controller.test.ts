import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../../src/config/settings.js';
import { ConfigsController } from '../../../src/kafka/handlers/configs.controller.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import type { KafkaRequest } from '../../../src/kafka/transport/kafka-request.js';
import { memoryOnlyRegistry } from '../../support/storage.js';

function fixture() {
  const topics = memoryOnlyRegistry(loadSettings({ argv: [], env: {}, cwd: '/nonexistent-dir-for-tests' }));
  const topic = topics.create('t', 1, new Map([['retention.ms', '1000']]));
  return { topics, topic, controller: new ConfigsController(topics) };
}

const request = <T>(body: T): KafkaRequest<T> => ({ body }) as unknown as KafkaRequest<T>;
const TOPIC = 2;
const BROKER = 4;

describe('ConfigsController', () => {
  it('AlterConfigs replaces every override: unnamed configs return to their default', async () => {
    const { controller, topic } = fixture();
    const answer = await controller.alterConfigs(request({ validateOnly: false, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', value: '500' }] }] }));
    assert.equal(answer.responses?.[0].errorCode, ErrorCode.NONE);
    assert.equal(topic.configs.get('retention.bytes'), '500');
    assert.equal(topic.configs.get('retention.ms'), String(5 * 60_000), 'back to the retention setting');
    assert.deepEqual([...topic.overrides], ['retention.bytes']);
  });

  it('validate_only and invalid values change nothing', async () => {
    const { controller, topic } = fixture();
    const checked = await controller.alterConfigs(request({ validateOnly: true, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', value: '500' }] }] }));
    assert.equal(checked.responses?.[0].errorCode, ErrorCode.NONE);
    const refused = await controller.incrementalAlterConfigs(request({ validateOnly: false, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: 0, value: 'soon' }] }] }));
    assert.equal(refused.responses?.[0].errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(topic.configs.get('retention.ms'), '1000');
    assert.equal(topic.configs.get('retention.bytes'), '-1');
  });

  it('IncrementalAlterConfigs: SET and DELETE one config each, others untouched; APPEND/SUBTRACT on lists only', async () => {
    const { controller, topic } = fixture();
    const answer = await controller.incrementalAlterConfigs(
      request({
        validateOnly: false,
        resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', configOperation: 0, value: '42' }, { name: 'retention.ms', configOperation: 1, value: null }] }],
      }),
    );
    assert.equal(answer.responses?.[0].errorCode, ErrorCode.NONE);
    assert.deepEqual([topic.configs.get('retention.bytes'), topic.configs.get('retention.ms')], ['42', String(5 * 60_000)]);
    const append = await controller.incrementalAlterConfigs(request({ validateOnly: false, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: 2, value: '5' }] }] }));
    assert.equal(append.responses?.[0].errorCode, ErrorCode.INVALID_CONFIG, 'retention.ms is not a list');
    const listAppend = await controller.incrementalAlterConfigs(request({ validateOnly: false, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'delete' }] }] }));
    assert.equal(listAppend.responses?.[0].errorCode, ErrorCode.NONE, 'appending what is there already is a no-op');
    const twice = await controller.incrementalAlterConfigs(
      request({ validateOnly: false, resources: [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.bytes', configOperation: 0, value: '1' }, { name: 'retention.bytes', configOperation: 1, value: null }] }] }),
    );
    assert.equal(twice.responses?.[0].errorCode, ErrorCode.INVALID_REQUEST);
  });

  it('unknown topics, broker resources and other resource types are refused per resource', async () => {
    const { controller } = fixture();
    const answer = await controller.alterConfigs(
      request({
        validateOnly: false,
        resources: [
          { resourceType: TOPIC, resourceName: 'nope', configs: [] },
          { resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.retention.ms', value: '1' }] },
          { resourceType: 8, resourceName: 'x', configs: [] },
        ],
      }),
    );
    assert.deepEqual(answer.responses?.map((r) => r.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });
});
