/** Unit tests of the frame decoder: frames assembled in pooled memory from copied chunks and direct reads, size limits, owned copies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRECT_READ_MIN_BYTES, FrameDecoder, FrameTooLargeError, ownedFrame } from '../../../src/kafka/transport/frame-decoder.js';
import { BatchMemory, SLAB_BYTES } from '../../../src/storage/batch-memory.js';

function frame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

function decoder(maxFrameBytes = 1 << 20): { decoder: FrameDecoder; memory: BatchMemory } {
  const memory = new BatchMemory({ poolBytesMax: 4 * SLAB_BYTES, freeBytesMax: SLAB_BYTES });
  return { decoder: new FrameDecoder(memory, maxFrameBytes), memory };
}

describe('FrameDecoder', () => {
  it('splits frames that arrive together and byte by byte', () => {
    const { decoder: d } = decoder();
    const stream = Buffer.concat([frame('hello'), frame(''), frame('world!')]);
    d.push(stream.subarray(0, 3));
    assert.equal(d.next(), null);
    for (let i = 3; i < stream.length; i++) d.push(stream.subarray(i, i + 1));
    assert.equal(d.next()?.toString(), 'hello');
    assert.equal(d.next()?.toString(), '');
    assert.equal(d.next()?.toString(), 'world!');
    assert.equal(d.next(), null);
    assert.equal(d.bufferedBytes, 0);
  });

  it('assembles each frame in pooled memory, so the chunk it came in can be reused at once', () => {
    const { decoder: d, memory } = decoder();
    const chunk = Buffer.concat([frame('abc'), frame('def')]);
    d.push(chunk);
    chunk.fill(0);
    const first = d.next()!;
    assert.equal(first.toString(), 'abc');
    assert.equal(d.next()?.toString(), 'def');
    assert.ok(memory.owns(first));
  });

  it('lets the rest of a large frame be read straight into its slot', () => {
    const { decoder: d } = decoder();
    const body = Buffer.alloc(3 * DIRECT_READ_MIN_BYTES, 7);
    const whole = frame(body);
    d.push(whole.subarray(0, 100));
    const target = d.directTarget()!;
    assert.equal(target.length, body.length - 96);
    whole.copy(target, 0, 100);
    d.filledDirectly(target.length);
    assert.equal(d.directTarget(), null, 'nothing pending');
    assert.deepEqual(d.next(), body);
  });

  it('reads a small remainder through the shared buffer rather than straight into the slot', () => {
    const { decoder: d } = decoder();
    d.push(frame(Buffer.alloc(DIRECT_READ_MIN_BYTES + 10)).subarray(0, 20));
    assert.equal(d.directTarget(), null);
  });

  it('refuses a frame above the limit and a negative size', () => {
    const { decoder: big } = decoder(10);
    big.push(frame('x'.repeat(11)));
    assert.throws(() => big.next(), FrameTooLargeError);
    const { decoder: negative } = decoder(10);
    negative.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.throws(() => negative.next(), FrameTooLargeError);
  });

  it('gives back every frame it holds when the connection goes away', () => {
    const { decoder: d, memory } = decoder();
    d.push(Buffer.concat([frame('queued'), frame('partial').subarray(0, 6)]));
    d.dispose();
    assert.equal(memory.alloc(1).byteOffset, 0, 'the slab is empty again');
  });

  it('ownedFrame: a copy outside the pooled memory', () => {
    const { decoder: d, memory } = decoder();
    d.push(frame('keep me'));
    const copy = ownedFrame(d.next()!);
    assert.equal(copy.toString(), 'keep me');
    assert.ok(!memory.owns(copy));
  });
});
