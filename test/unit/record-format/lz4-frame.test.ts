/**
 * The LZ4 frame helpers Kafka needs: XXH32 (published test vectors), the KAFKA-3160 header
 * checksum of old magic-0 clients rewritten to the standard one, and the decompressed-size
 * bound read from a frame before it is decompressed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { lz4DecompressedBound, withStandardHeaderChecksum, xxh32 } from '../../../src/record-format/lz4-frame.js';
import { lz4Frame3160, lz4HeaderChecksumKind } from '../../support/legacy-messages.js';

describe('LZ4 frames', () => {
  it('XXH32 matches the published vectors (short and 16-byte-stripe inputs)', () => {
    assert.equal(xxh32(Buffer.alloc(0)), 0x02cc5d05);
    assert.equal(xxh32(Buffer.from('a')), 0x550d7456);
    assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxh32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('rewrites a KAFKA-3160 header checksum to the standard one and leaves a standard frame as it is', () => {
    const data = Buffer.from('legacy lz4 '.repeat(50));
    const broken = lz4Frame3160(data);
    assert.equal(lz4HeaderChecksumKind(broken), 'kafka-3160');
    assert.throws(() => decompressFrameSync(broken), /HeaderChecksum/i, 'the codec library checks the header checksum');
    const fixed = withStandardHeaderChecksum(broken);
    assert.equal(lz4HeaderChecksumKind(fixed), 'standard');
    assert.deepEqual(decompressFrameSync(fixed), data);
    assert.equal(lz4HeaderChecksumKind(broken), 'kafka-3160', 'the input is not modified');
    const standard = compressFrameSync(data);
    assert.deepEqual(withStandardHeaderChecksum(standard), standard);
  });

  it('bounds the decompressed size from the frame: at least the real size, and near it for large data', () => {
    for (const data of [Buffer.from('x'), Buffer.alloc(300_000, 7), randomBytes(200_000)]) {
      const bound = lz4DecompressedBound(compressFrameSync(data));
      assert.ok(bound >= data.length, `bound ${bound} below the ${data.length} bytes`);
      assert.ok(bound <= data.length + 4 * 1024 * 1024, `bound ${bound} far above the ${data.length} bytes`);
    }
    assert.equal(lz4DecompressedBound(Buffer.from([0x04, 0x22])), 0, 'a frame too short for a header promises nothing');
  });
});
