import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, FrameTooLargeError } from '../../../src/kafka/transport/frame-decoder.js';

function frame(body: string): Buffer {
  const bytes = Buffer.from(body);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

describe('FrameDecoder', () => {
  it('splits frames that arrive together and byte by byte', () => {
    const decoder = new FrameDecoder(1024);
    const stream = Buffer.concat([frame('hello'), frame(''), frame('world!')]);
    decoder.push(stream.subarray(0, 3));
    assert.equal(decoder.next(), null);
    for (let i = 3; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1));
    assert.equal(decoder.next()?.toString(), 'hello');
    assert.equal(decoder.next()?.toString(), '');
    assert.equal(decoder.next()?.toString(), 'world!');
    assert.equal(decoder.next(), null);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('copies a frame out of a shared chunk so it pins nothing else', () => {
    const decoder = new FrameDecoder(1024);
    const chunk = Buffer.concat([frame('abc'), frame('def')]);
    decoder.push(chunk);
    const first = decoder.next()!;
    assert.equal(first.toString(), 'abc');
    assert.notEqual(first.buffer, chunk.buffer);
  });

  it('refuses a frame above the limit and a negative size', () => {
    const big = new FrameDecoder(10);
    big.push(frame('x'.repeat(11)));
    assert.throws(() => big.next(), FrameTooLargeError);
    const negative = new FrameDecoder(10);
    negative.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.throws(() => negative.next(), FrameTooLargeError);
  });
});
