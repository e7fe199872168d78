import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32c as referenceCrc32c } from '@node-rs/crc32';
import { blinkAddonPath, crc32c, crc32cImplementation } from '../../../src/record-format/crc32c.js';

/** Blink's addon, loaded directly: its portable code is checked too (the CPU here runs the crc32 path). */
interface BlinkAddon {
  crc32c: (data: Buffer) => number;
  crc32cPortable: (data: Buffer) => number;
  accelerated: boolean;
}
const HOW_TO_BUILD = 'dist/native/crc32c.node is built by `npm run build` with a C compiler (tools/build-native.mjs; tools/test-deps installs gcc for the unit suite)';

function loadAddon(): BlinkAddon {
  assert.ok(existsSync(blinkAddonPath()), `${blinkAddonPath()} is missing: ${HOW_TO_BUILD}`);
  return createRequire(import.meta.url)(blinkAddonPath()) as BlinkAddon;
}

/** A fixed pseudo-random sequence (xorshift32), so that a failure names a case that repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The addon's block sizes (native/crc32c.c: three parts of 8192 or of 256 bytes): the lengths around their edges. */
const EDGES = [3 * 256, 3 * 8192, 2 * 3 * 8192 + 3 * 256].flatMap((edge) => [-9, -8, -1, 0, 1, 7, 8, 9, 256].map((delta) => edge + delta));

describe('CRC-32C: Blink\'s addon against @node-rs/crc32 and known vectors', () => {
  it('is the implementation crc32() runs on x86-64 (the addon was built and the CPU has SSE4.2)', () => {
    const addon = loadAddon();
    if (process.arch === 'x64') {
      assert.equal(addon.accelerated, true, 'this x86-64 CPU has no SSE4.2?');
      assert.equal(crc32cImplementation(), 'blink-native');
    } else {
      // Elsewhere the addon has only its table code: crc32c.ts keeps @node-rs/crc32.
      assert.equal(addon.accelerated, false);
      assert.equal(crc32cImplementation(), '@node-rs/crc32');
    }
  });

  it('gives the published check values (RFC 3720, B.4; the "123456789" check)', () => {
    const addon = loadAddon();
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const vectors: Array<[Buffer, number]> = [
      [Buffer.alloc(0), 0],
      [Buffer.from('123456789'), 0xe3069283],
      [Buffer.alloc(32, 0x00), 0x8a9136aa],
      [Buffer.alloc(32, 0xff), 0x62a8ab43],
      [ascending, 0x46dd794e],
      [Buffer.from(ascending).reverse(), 0x113fdb5c],
    ];
    for (const [data, expected] of vectors) {
      assert.equal(crc32c(data), expected, `crc32c of ${data.toString('hex')}`);
      assert.equal(addon.crc32c(data), expected, `the addon's crc32c of ${data.toString('hex')}`);
      assert.equal(addon.crc32cPortable(data), expected, `the addon's table code on ${data.toString('hex')}`);
    }
  });

  it('matches @node-rs/crc32 over random lengths, start offsets and subarrays (and every block edge)', () => {
    const addon = loadAddon();
    const next = random(0x1234_5678);
    const pool = Buffer.alloc(3 * 65_536 + 64);
    for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(next() * 256);
    const lengths = [...EDGES, ...Array.from({ length: 300 }, (_, i) => Math.floor(next() * (i % 3 === 0 ? 3 * 65_536 : 2_000)))];
    for (const length of lengths) {
      for (const offset of [0, 1, 3, 7, 8, Math.floor(next() * 64)]) {
        const data = pool.subarray(offset, offset + length);
        const expected = referenceCrc32c(data) >>> 0;
        const label = `length ${length} at offset ${offset}`;
        assert.equal(crc32c(data), expected, label);
        assert.equal(addon.crc32c(data), expected, label);
        if (length <= 4_096 || offset === 0) assert.equal(addon.crc32cPortable(data), expected, `table code, ${label}`);
      }
    }
  });

  it('checks a Buffer over someone else\'s memory (a view into an ArrayBuffer with a byte offset)', () => {
    const backing = new ArrayBuffer(10_000);
    new Uint8Array(backing).fill(0x5a);
    const view = Buffer.from(backing, 13, 9_000);
    assert.equal(crc32c(view), referenceCrc32c(view) >>> 0);
  });

  it('throws a TypeError for anything but a Buffer', () => {
    const addon = loadAddon();
    for (const bad of ['text', 42, null, undefined, {}, [1, 2, 3]]) {
      assert.throws(() => addon.crc32c(bad as unknown as Buffer), TypeError, String(bad));
    }
  });
});
