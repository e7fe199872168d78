/** Unit tests of the frame decoder: frames as views of the chunks they arrived in, size limits, and owned copies for kept fields. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Frame, FrameDecoder, FrameTooLargeError, ownedFrame } from '../../../src/kafka/transport/frame-decoder.js';

function text(frame: Frame | null): string | undefined {
  return frame === null ? undefined : Buffer.concat(frame.parts).toString();
}

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
    assert.equal(text(decoder.next()), 'hello');
    assert.equal(text(decoder.next()), '');
    assert.equal(text(decoder.next()), 'world!');
    assert.equal(decoder.next(), null);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('returns a frame as views of the chunks it arrived in, without copying', () => {
    const decoder = new FrameDecoder(1024);
    const stream = Buffer.concat([frame('abcdefgh'), frame('xy')]);
    const chunks = [stream.subarray(0, 6), stream.subarray(6, 9), stream.subarray(9)];
    for (const chunk of chunks) decoder.push(chunk);
    const first = decoder.next()!;
    assert.equal(first.length, 8);
    assert.deepEqual(first.parts.map((part) => part.toString()), ['ab', 'cde', 'fgh']);
    for (const part of first.parts) assert.equal(part.buffer, stream.buffer, 'a view of the socket chunk');
    const second = decoder.next()!;
    assert.deepEqual(second.parts.map((part) => part.toString()), ['xy']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('keeps its queue of chunks bounded while frames keep ending inside chunks', () => {
    const decoder = new FrameDecoder(1024);
    const one = frame('0123456789');
    for (let i = 0; i < 10_000; i++) {
      decoder.push(one.subarray(0, 7));
      decoder.push(one.subarray(7));
      assert.equal(text(decoder.next()), '0123456789');
    }
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('ownedFrame: a right-sized copy of a frame that shares its chunk, the chunk itself when the frame is all of it', () => {
    const decoder = new FrameDecoder(1024);
    const shared = Buffer.concat([frame('abc'), frame('def')]);
    decoder.push(shared);
    const copy = ownedFrame(decoder.next()!);
    assert.equal(copy.toString(), 'abc');
    assert.notEqual(copy.buffer, shared.buffer);
    const alone = frame('ghi');
    const own = Buffer.alloc(alone.length);
    alone.copy(own);
    decoder.next();
    decoder.push(own);
    const same = ownedFrame(decoder.next()!);
    assert.equal(same.toString(), 'ghi');
    assert.equal(same.buffer, own.buffer, 'no copy when the chunk is the frame');
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
