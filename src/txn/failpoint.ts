/**
 * A test-only switch (README, Development: failpoints), read from the environment, never a
 * setting: BLINK_FAILPOINT=stop-after-prepare-commit:N stops the process (SIGSTOP) once the
 * N-th EndTxn commit it handles has journaled PrepareCommit, before a single marker is written,
 * so that an end-to-end test can kill -9 the broker exactly between the decision and the
 * markers (test/e2e/transactions-kill-commit.test.ts) and check that the restarted coordinator
 * completes the commit, as Kafka 3.9's does. Unset, it costs one comparison per EndTxn commit.
 * Any other value stops the boot with an error.
 */
export const FAILPOINT_ENV = 'BLINK_FAILPOINT';
const STOP_AFTER_PREPARE_COMMIT = /^stop-after-prepare-commit:([1-9]\d*)$/;

/** Null when `value` is unset or empty; otherwise the failpoint it names (throws for any other value). */
export function prepareCommitFailpoint(value: string | undefined): PrepareCommitFailpoint | null {
  if (value === undefined || value === '') return null;
  const match = STOP_AFTER_PREPARE_COMMIT.exec(value);
  if (match === null) throw new Error(`${FAILPOINT_ENV}=${value}: the only failpoint is stop-after-prepare-commit:N (N >= 1)`);
  return new PrepareCommitFailpoint(Number(match[1]));
}

export class PrepareCommitFailpoint {
  private commits = 0;

  constructor(readonly stopAt: number) {}

  /** A commit's PrepareCommit is journaled: true for the `stopAt`-th (the caller stops there). */
  prepared(): boolean {
    return ++this.commits === this.stopAt;
  }
}
