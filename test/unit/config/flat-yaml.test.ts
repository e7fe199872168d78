/**
 * Unit tests of src/config/flat-yaml.ts against the `yaml` package itself: whatever the fast
 * reader accepts, it reads as yaml.parse does (the shipped settings file and every form it
 * takes); whatever it does not know, it hands back (null) for yaml to parse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseFlatYaml } from '../../../src/config/flat-yaml.js';

const REPO_SETTINGS_FILE = resolve(import.meta.dirname, '../../../../config/settings.yaml');

/** Read by the fast path, each exactly as yaml reads it. */
const FLAT = [
  'a: "1GB"',
  "a: '5m'   # single-quoted",
  'a: "a # not a comment"',
  'a: "Ünïcode and\ttab"',
  'a: 0',
  'a: 42             # comment',
  'a: -7',
  'a: 2147483647',
  'a: 0.5',
  'a: 1.0',
  'a: -2.25',
  'a: 00.5',
  'a: true',
  'a: false',
  'a: 7d',
  'a: 1h  # plain duration',
  'a: 64MB',
  'a: 1.5GiB',
  'a: []',
  'a: [ ]',
  'a: [9092, 9094]',
  'a: ["SCRAM-SHA-256", "PLAIN"]   # list',
  "a: ['x', \"y\", 3, 5m]",
  'a: 1   ',
  'a_b: 1\nc: "x"\n\n# comment\n  # indented comment\nd: [1]\n',
];

/** Not read by the fast path (null), though valid YAML (or not): yaml decides. */
const NOT_FLAT = [
  '',
  '# only a comment\n',
  'a:',
  'a: ~',
  'a: null',
  'a: yes',
  'a: True',
  'a: hello',
  'a: hello world',
  'a: 0x1F',
  'a: 0o17',
  'a: 0755',
  'a: -0',
  'a: 1e3',
  'a: 1_000',
  'a: .inf',
  'a: 12345678901234567890',
  'a: "escaped \\" quote"',
  "a: 'it''s'",
  'a: 1#not a comment',
  'a: [1, 2,]',
  'a: [1, [2]]',
  'a: {b: 1}',
  'a: &anchor 1',
  'a: *anchor',
  'a: |\n  text',
  'a:\n  b: 1',
  ' a: 1',
  '---\na: 1',
  'a: 1\r\nb: 2',
  'a: 1\na: 2',
  '__proto__: 1',
  'a:1',
  '- 1',
];

describe('parseFlatYaml', () => {
  it('reads the shipped config/settings.yaml exactly as yaml does', () => {
    const text = readFileSync(REPO_SETTINGS_FILE, 'utf8');
    const flat = parseFlatYaml(text);
    assert.notEqual(flat, null, 'the shipped file is flat');
    assert.deepEqual(flat, parse(text));
  });

  for (const text of FLAT) {
    it(`reads ${JSON.stringify(text)} as yaml does`, () => {
      const flat = parseFlatYaml(text);
      assert.notEqual(flat, null);
      assert.deepEqual(flat, parse(text));
    });
  }

  for (const text of NOT_FLAT) {
    it(`leaves ${JSON.stringify(text)} to yaml`, () => {
      assert.equal(parseFlatYaml(text), null);
    });
  }
});
