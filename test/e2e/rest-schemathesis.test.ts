/**
 * Schemathesis (PyPI) against the REST admin API's own OpenAPI document (/docs-json), on a
 * broker with admin_token set: generated and mutated requests for every operation (examples,
 * coverage of each schema's edges, fuzzing, and stateful sequences that follow the API's
 * links: create a topic, then produce to it, read it, alter it, delete it). Every answer must
 * be documented (status, content type, headers, body schema), no request may get a 5xx,
 * schema-violating requests must be refused, an undeclared method on a path must be 405, and
 * no protected route may answer without the token.
 * Left out: positive_data_acceptance, which expects every schema-valid request to succeed;
 * some are refused by the broker's state (an offset beyond the high watermark, fewer
 * partitions than a topic has), which an OpenAPI document cannot express.
 * A fixed seed keeps a run reproducible (`st replay` needs the same seed to find a case).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, REPO_ROOT, run, startBroker, type BrokerHandle } from './harness.js';

const SCHEMATHESIS = join(REPO_ROOT, '.cache/py/venv/bin/schemathesis');
const TOKEN = 'schemathesis-Token_0123456789';
const RUN_TIMEOUT_MS = 300_000;
const SEED = '20261203';

let broker: BrokerHandle | undefined;

before(async () => {
  broker = await startBroker({ env: { ADMIN_TOKEN: TOKEN } });
});

after(async () => {
  if (broker === undefined) return;
  const crashed = broker.exited();
  await broker.stop();
  if (crashed) console.error(`--- broker stderr (exited during the run) ---\n${broker.stderr().slice(-8000)}`);
});

test('schemathesis finds no server error, undocumented answer or accepted invalid request', { timeout: RUN_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(broker !== undefined, 'broker started');
  const args = [
    'run',
    `${broker.restUrl}/docs-json`,
    '--header',
    `Authorization: Bearer ${TOKEN}`,
    '--checks',
    'all',
    '--exclude-checks',
    'positive_data_acceptance',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    '10',
    '--seed',
    SEED,
    '--workers',
    '1',
    '--request-timeout',
    '10',
    '--no-color',
  ];
  const result = await run(SCHEMATHESIS, args, { timeoutMs: RUN_TIMEOUT_MS });
  const summary = result.stdout.split('\n').filter((line) => /generated|passed|failures?,|Failures:|❌/.test(line));
  console.log(`schemathesis: ${summary.join(' | ')}`);
  // The failures (each with a curl line that reproduces it) come before the warnings and the summary.
  const failures = result.stdout.slice(Math.max(0, result.stdout.indexOf('FAILURES')), result.stdout.indexOf('WARNINGS') > 0 ? result.stdout.indexOf('WARNINGS') : undefined);
  assert.equal(result.code, 0, describeRun('schemathesis', { ...result, stdout: failures.slice(0, 12_000) }));
  assert.match(result.stdout, /\d+ generated/, 'schemathesis reported the cases it generated');
  assert.equal(broker.exited(), false, 'the broker is still up');
  const serverErrors = `${broker.stdout()}\n${broker.stderr()}`.split('\n').filter((line) => line.includes('"level":50'));
  assert.deepEqual(serverErrors, [], 'no request made the broker log an error');
});
