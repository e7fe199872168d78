/**
 * The Helm chart's values.schema.json lists every settings.yaml key the broker knows (the
 * deployment check boots the rendered settings too, but only `npm run check:deploy` runs it:
 * this catches a new setting that the chart forgot at unit-test speed).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SETTING_KEYS } from '../../../src/config/setting-definitions.js';

const schemaUrl = new URL('../../../../helm/blink/values.schema.json', import.meta.url);

test('the chart offers every setting the broker knows, and none it does not', () => {
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as { properties: { settings: { properties: Record<string, unknown> } } };
  const offered = Object.keys(schema.properties.settings.properties);
  assert.deepEqual(SETTING_KEYS.filter((key) => !offered.includes(key)), [], 'add these to helm/blink/values.schema.json and values.yaml');
  assert.deepEqual(offered.filter((key) => !(SETTING_KEYS as string[]).includes(key)), [], 'the chart offers settings the broker does not know');
});
