/**
 * The checker's ledger: each check passes, fails (with the reason) or is skipped (with the
 * reason, e.g. a tool this machine lacks). The summary ends with the plain line
 * "N passed, N failed, N skipped" that CI reads.
 */
export class Report {
  #passed = 0;
  #failed = [];
  #skipped = 0;

  pass(name, detail = '') {
    this.#passed++;
    console.log(`  ok    ${name}${detail ? ` (${detail})` : ''}`);
  }

  fail(name, reason) {
    this.#failed.push(name);
    console.log(`  FAIL  ${name}\n${indent(reason)}`);
  }

  skip(name, reason) {
    this.#skipped++;
    console.log(`  skip  ${name}: ${reason}`);
  }

  note(text) {
    console.log(`  note  ${text}`);
  }

  /** Runs `body`; a thrown error fails the check. `body` may return a detail string. */
  async check(name, body) {
    const startedAt = Date.now();
    try {
      const detail = await body();
      const seconds = (Date.now() - startedAt) / 1000;
      const took = seconds >= 1 ? `${seconds.toFixed(1)} s` : '';
      this.pass(name, [typeof detail === 'string' ? detail : '', took].filter(Boolean).join('; '));
      return true;
    } catch (error) {
      this.fail(name, error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  /** `expect(condition, message)` collects every problem of one check before it fails. */
  static problems() {
    const found = [];
    const expect = (condition, message) => {
      if (!condition) found.push(message);
    };
    expect.done = () => {
      if (found.length > 0) throw new Error(found.join('\n'));
    };
    return expect;
  }

  get failedCount() {
    return this.#failed.length;
  }

  summary() {
    if (this.#failed.length > 0) console.log(`\nFailed checks:\n${this.#failed.map((name) => `  - ${name}`).join('\n')}`);
    console.log(`\n${this.#passed} passed, ${this.#failed.length} failed, ${this.#skipped} skipped`);
  }
}

function indent(text) {
  return String(text)
    .trimEnd()
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}
