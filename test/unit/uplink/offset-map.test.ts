/**
 * OffsetMap: Blink offsets → remote offsets for committed group offsets, with the gaps
 * compaction-like drops, DeleteRecords and a non-empty remote partition cause; bounded,
 * conservative where it had to forget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetMap, RUNS_MAX } from '../../../src/uplink/offset-map.js';

describe('OffsetMap', () => {
  it('translates a gap-free log one to one, shifted by where mirroring started on both sides', () => {
    const map = new OffsetMap(100, 7);
    map.advance([{ blinkStart: 100, remoteStart: 7, count: 10 }], 110, 17);
    assert.equal(map.translate(100, 100), 7);
    assert.equal(map.translate(105, 100), 12);
    assert.equal(map.translate(110, 100), 17, 'the end of the mirrored log maps to the remote end');
    assert.equal(map.translate(111, 100), null, 'not mirrored yet');
  });

  it('sends an offset inside a gap (dropped records) to the next record that exists', () => {
    const map = new OffsetMap(0, 0);
    map.advance([{ blinkStart: 0, remoteStart: 0, count: 3 }, { blinkStart: 5, remoteStart: 3, count: 2 }], 7, 5);
    assert.equal(map.translate(2, 0), 2);
    assert.equal(map.translate(3, 0), 3, 'offsets 3 and 4 were dropped: resume at the record of offset 5');
    assert.equal(map.translate(4, 0), 3);
    assert.equal(map.translate(6, 0), 4);
    assert.equal(map.translate(7, 0), 5);
  });

  it('merges runs that continue on both sides, keeps the others apart', () => {
    const map = new OffsetMap(0, 0);
    map.advance([{ blinkStart: 0, remoteStart: 0, count: 2 }], 2, 2);
    map.advance([{ blinkStart: 2, remoteStart: 2, count: 2 }], 4, 4);
    assert.equal(map.runCount, 1);
    map.advance([{ blinkStart: 6, remoteStart: 4, count: 1 }], 7, 5);
    assert.equal(map.runCount, 2);
  });

  it('translates offsets below Blink\'s log start as the log start (auto.offset.reset=earliest would go there)', () => {
    const map = new OffsetMap(0, 0);
    map.advance([{ blinkStart: 0, remoteStart: 0, count: 10 }], 10, 10);
    assert.equal(map.translate(2, 6), 6);
    map.pruneBelow(6);
    assert.equal(map.translate(0, 6), 6);
    assert.equal(map.runCount, 1);
  });

  it('a log start moved past the position (deleted before it was copied) is skipped over', () => {
    const map = new OffsetMap(0, 0);
    map.skipTo(40);
    map.advance([{ blinkStart: 40, remoteStart: 0, count: 5 }], 45, 5);
    assert.equal(map.translate(10, 40), 0);
    assert.equal(map.translate(43, 40), 3);
  });

  it('keeps at most RUNS_MAX runs and translates below the oldest kept one conservatively (a re-read, never a skip)', () => {
    const map = new OffsetMap(0, 50);
    const runs = Array.from({ length: RUNS_MAX + 10 }, (_, i) => ({ blinkStart: 2 * i, remoteStart: 50 + i, count: 1 }));
    map.advance(runs, 2 * runs.length, 50 + runs.length);
    assert.equal(map.runCount, RUNS_MAX);
    assert.equal(map.translate(3, 0), 50, 'below the kept runs: the first record this map ever mirrored');
    assert.equal(map.translate(2 * (RUNS_MAX + 9), 0), 50 + RUNS_MAX + 9, 'the newest runs translate exactly');
  });

  it('round-trips through its saved state', () => {
    const map = new OffsetMap(3, 0);
    map.advance([{ blinkStart: 3, remoteStart: 0, count: 4 }, { blinkStart: 9, remoteStart: 4, count: 1 }], 10, 5);
    const restored = OffsetMap.restore(map.state());
    assert.deepEqual(restored.state(), map.state());
    for (const offset of [0, 3, 5, 7, 8, 9, 10]) assert.equal(restored.translate(offset, 3), map.translate(offset, 3), `offset ${offset}`);
  });

  it('refuses to move the position back', () => {
    const map = new OffsetMap(10, 0);
    assert.throws(() => map.advance([], 5, 0), /moves back/);
  });
});
