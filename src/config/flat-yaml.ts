/**
 * A settings file as most are written (config/settings.yaml: one `key: value` per line, each with
 * its comment), read without the `yaml` package: parsing that file with it took 6-10 ms of every
 * boot, its 12 KB being mostly comments, and the package's own evaluation more (tools/bundle.mjs
 * loads it on first use). Only what this reads exactly as YAML 1.2's core schema (the `yaml`
 * package's default) would is accepted: top-level keys, one per line, whose values are
 * double- or single-quoted strings without escapes, decimal integers and decimals, true and
 * false, plain strings of digits then letters (`5m`, `7d`, `1GB`: never a number in YAML), and
 * flow lists of those; blank and comment lines. Anything else (indentation, a second document,
 * anchors, escapes, a repeated key, a value YAML would read otherwise, no key at all) is `null`: the caller then
 * parses the text with `yaml`, which also gives the errors. test/unit/config/flat-yaml.test.ts
 * compares both on the shipped file and on each form.
 */

const ITEM = String.raw`"[^"\\\n]*"|'[^'\n]*'|[^\s#'"\[\]{},&*!|>%@\x60][^\s#,\[\]{}]*`;
const LINE = new RegExp(String.raw`^([A-Za-z_][A-Za-z0-9_]*):[ ]+(${ITEM}|\[[ ]*(?:(?:${ITEM})[ ]*(?:,[ ]*(?:${ITEM})[ ]*)*)?\])(?:[ ]+#.*|[ ]*)$`);
const FLOW_ITEM = new RegExp(String.raw`(${ITEM})`, 'g');
const COMMENT_OR_BLANK = /^[ ]*(?:#.*)?$/;

/** What YAML's core schema makes of one scalar written this way, or `undefined` when this does not know. */
function scalar(text: string): unknown {
  if (text.startsWith('"') || text.startsWith("'")) return text.slice(1, -1);
  if (/^(?:0|-?[1-9][0-9]{0,14})$/.test(text)) return Number(text);
  if (/^-?[0-9]+\.[0-9]+$/.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  // Digits then letters: a duration or a size. Not 0x…/0o… (YAML's hexadecimal and octal integers).
  if (/^[0-9]+(?:\.[0-9]+)?[A-Za-z]+$/.test(text) && !/^0[xXoO]/.test(text)) return text;
  return undefined;
}

/** The mapping a flat settings file holds, or `null` when it is not (only) of the forms above. */
export function parseFlatYaml(text: string): Record<string, unknown> | null {
  const values: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (COMMENT_OR_BLANK.test(line)) continue;
    const match = LINE.exec(line);
    if (match === null) return null;
    const [, key, raw] = match as unknown as [string, string, string];
    if (Object.hasOwn(values, key) || key === '__proto__') return null;
    let value: unknown;
    if (raw.startsWith('[')) {
      const items = [...raw.slice(1, -1).matchAll(FLOW_ITEM)].map(([item]) => scalar(item));
      if (items.includes(undefined)) return null;
      value = items;
    } else {
      value = scalar(raw);
      if (value === undefined) return null;
    }
    values[key] = value;
  }
  // No key at all: YAML's empty document is null, not a mapping; yaml says so.
  return Object.keys(values).length === 0 ? null : values;
}
