/** Unit test of the test-only failpoint's switch (src/txn/failpoint.ts): unset is none, a bad value is refused, N fires at the N-th commit only. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareCommitFailpoint } from '../../../src/txn/failpoint.js';

describe('BLINK_FAILPOINT', () => {
  it('unset or empty: no failpoint', () => {
    assert.equal(prepareCommitFailpoint(undefined), null);
    assert.equal(prepareCommitFailpoint(''), null);
  });

  it('any value but stop-after-prepare-commit:N (N >= 1) is refused with a clear error', () => {
    for (const value of ['stop-after-prepare-commit', 'stop-after-prepare-commit:0', 'stop-after-prepare-commit:x', 'crash-somewhere:1', ' stop-after-prepare-commit:1']) {
      assert.throws(() => prepareCommitFailpoint(value), /the only failpoint is stop-after-prepare-commit:N/, value);
    }
  });

  it('stop-after-prepare-commit:3 fires at the third commit, and never again', () => {
    const failpoint = prepareCommitFailpoint('stop-after-prepare-commit:3');
    assert.deepEqual([1, 2, 3, 4, 5].map(() => failpoint?.prepared()), [false, false, true, false, false]);
  });
});
