/**
 * Settings given by a program (`startBlink({...})`, embed.ts) rather than a YAML file: the
 * same conversions, rules and messages, under the program's label; port 0 (the OS picks)
 * is accepted and never clashes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings, SettingsError } from '../../../src/config/settings.js';

const LABEL = 'startBlink() settings';
const fromValues = (settings: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadSettings({ argv: [], env, cwd: '/nonexistent', values: { label: LABEL, settings } });

function rejection(settings: Record<string, unknown>): SettingsError {
  try {
    fromValues(settings);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  assert.fail('the settings were accepted');
}

describe('settings given as values', () => {
  it('converts sizes and durations written as text or numbers, as from the YAML file', () => {
    const config = fromValues({ max_memory: '64MB', retention: 30_000, auto_create_topics: false, kafka_cfg_num_partitions: 3 });
    assert.equal(config.maxMemoryBytes, 64 * 1024 * 1024);
    assert.equal(config.retentionMs, 30_000);
    assert.equal(config.autoCreateTopics, false);
    assert.equal(config.defaultNumPartitions, 3);
    assert.equal(config.settingsFile, null);
  });

  it('accepts port 0 for the REST and every Kafka listener: no clash, the OS picks each', () => {
    const config = fromValues({ broker_ports: [0], rest_port: 0 });
    assert.deepEqual([config.brokerPorts, config.restPort], [[0], 0]);
  });

  it('lists every problem under the program label, unknown keys with a suggestion', () => {
    const error = rejection({ max_memroy: '1GB', broker_ports: [70_000], rest_port: 'x' });
    assert.equal(error.message.split('\n')[0], `Invalid settings (${LABEL}):`);
    assert.deepEqual(error.problems, [
      `rest_port (${LABEL}): 'x' is not a number`,
      `broker_ports (${LABEL}): [70000] must list ports between 0 and 65535`,
      `unknown key 'max_memroy' in ${LABEL} (did you mean 'max_memory'?)`,
    ]);
  });

  it('still lets a given environment override a value (the embedded API passes none)', () => {
    assert.equal(fromValues({ max_memory: '64MB' }, { MAX_MEMORY: '128MB' }).maxMemoryBytes, 128 * 1024 * 1024);
  });
});
