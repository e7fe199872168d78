/**
 * Unit tests of the frame decoder: frames assembled in pooled memory from copied chunks and
 * direct reads, size limits, owned copies, and the shared request budget (a frame waits for
 * room before any memory is allocated for it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRECT_READ_MIN_BYTES, FrameDecoder, FrameTooLargeError, ownedFrame } from '../../../src/kafka/transport/frame-decoder.js';
import { RequestBudget } from '../../../src/kafka/transport/request-budget.js';
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
    const { decoder: split } = decoder(10);
    for (const byte of [0x80, 0x00, 0x00, 0x01]) split.push(Buffer.from([byte]));
    assert.throws(() => split.next(), /frame size -2147483647 /);
  });

  it('reads a size prefix split across chunks, all four bytes of it', () => {
    const { decoder: d } = decoder();
    const body = Buffer.alloc(0x011170, 3);
    const whole = frame(body);
    d.push(whole.subarray(0, 1));
    d.push(whole.subarray(1, 3));
    assert.equal(d.bufferedBytes, 0, 'no frame opened before its prefix is whole');
    d.push(whole.subarray(3));
    assert.deepEqual(d.next(), body);
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

  describe('with a request budget shared by two connections', () => {
    it('makes a frame that does not fit wait, keeping the bytes read meanwhile, until the budget has room', () => {
      const memory = new BatchMemory({ poolBytesMax: 4 * SLAB_BYTES, freeBytesMax: SLAB_BYTES });
      const budget = new RequestBudget(100);
      const first = new FrameDecoder(memory, 1 << 20, budget);
      const second = new FrameDecoder(memory, 1 << 20, budget);
      let granted = 0;
      second.grantListener = { frameGranted: () => granted++ };
      const big = frame(Buffer.alloc(80, 1));
      first.push(big.subarray(0, 10));
      assert.equal(budget.usedBytes, 80, 'the whole declared size is reserved when the size arrives');
      const other = Buffer.concat([frame(Buffer.alloc(60, 2)), frame('next')]);
      second.push(other.subarray(0, 30));
      assert.equal(second.waitingForBudget, true);
      assert.equal(second.receivingFrame, true);
      second.push(other.subarray(30));
      assert.equal(second.next(), null, 'nothing decoded while waiting');
      first.push(big.subarray(10));
      assert.equal(granted, 0, 'a complete frame still counts until it is taken');
      assert.equal(first.next()?.length, 80);
      assert.equal(granted, 1);
      assert.equal(second.waitingForBudget, false);
      assert.deepEqual(second.next(), Buffer.alloc(60, 2), 'the bytes kept while waiting were decoded');
      assert.equal(second.next()?.toString(), 'next');
      assert.equal(budget.usedBytes, 0);
    });

    it('gives back the reservation and the wait of a connection that closes', () => {
      const memory = new BatchMemory({ poolBytesMax: 4 * SLAB_BYTES, freeBytesMax: SLAB_BYTES });
      const budget = new RequestBudget(100);
      const partial = new FrameDecoder(memory, 1 << 20, budget);
      const waiting = new FrameDecoder(memory, 1 << 20, budget);
      const third = new FrameDecoder(memory, 1 << 20, budget);
      partial.push(frame(Buffer.alloc(90)).subarray(0, 50));
      waiting.push(frame(Buffer.alloc(50)).subarray(0, 4));
      third.push(frame(Buffer.alloc(20)).subarray(0, 4));
      assert.deepEqual([waiting.waitingForBudget, third.waitingForBudget], [true, true], 'neither fits beside the partial frame');
      waiting.dispose();
      partial.dispose();
      assert.equal(third.waitingForBudget, false);
      assert.equal(budget.usedBytes, 20);
    });
  });
});
