/**
 * /health/ready goes down the moment a stop is asked (src/health/stop-request.ts), even when the
 * SIGTERM lands during the boot's last step, app.listen: the close then waits for that step, and
 * the REST port used to answer 200 meanwhile (and until the close reached it). A module imported
 * through NODE_OPTIONS holds app.listen at its last step (the REST server's 'listening' event: the
 * port takes connections already), sends the broker its own SIGTERM, and once the broker's signal
 * handler has run (a SIGTERM listener of its own, added after the broker's) asks /health/ready,
 * prints the answer, and lets app.listen finish. The broker still exits 0.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { withTempDir } from '../support/wal-fixtures.js';
import { describeRun, runBrokerToExit } from './harness.js';

const EXIT_MS = 15_000;

const OBSERVER = `import http from 'node:http';
import net from 'node:net';
const restPort = Number(process.env.REST_PORT);
const askReady = (then) => {
  const report = (status) => { process.stdout.write('READY-AFTER-SIGTERM ' + status + '\\n'); then(); };
  http.get({ host: '127.0.0.1', port: restPort, path: '/health/ready', agent: false }, (res) => {
    let body = '';
    res.on('data', (chunk) => (body += chunk)).on('end', () => report(res.statusCode + ' ' + body));
  }).on('error', (error) => report(error.code));
};
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const server = this;
  const emit = server.emit;
  server.emit = function (event, ...rest) {
    if (event !== 'listening' || server.address()?.port !== restPort) return emit.call(this, event, ...rest);
    // The port takes connections; app.listen is not over until 'listening' is emitted.
    server.emit = emit;
    process.once('SIGTERM', () => setImmediate(() => askReady(() => emit.call(server, 'listening', ...rest))));
    process.kill(process.pid, 'SIGTERM');
    return true;
  };
  return listen.apply(this, args);
};
`;

describe('readiness and a stop signal', () => {
  test('a SIGTERM as the REST port starts listening: /health/ready answers 503 at once, and the broker exits 0', { timeout: EXIT_MS + 5_000 }, async () => {
    await withTempDir(async (dir) => {
      const observer = join(dir, 'term-at-rest-listen.mjs');
      await writeFile(observer, OBSERVER);
      const result = await runBrokerToExit({ env: { NODE_OPTIONS: `--import ${observer}` }, timeoutMs: EXIT_MS });
      const context = describeRun('SIGTERM at the REST listen', result);
      assert.equal(result.timedOut, false, context);
      const answer = /READY-AFTER-SIGTERM (\d+) (.*)/.exec(result.stdout);
      assert.equal(answer?.[1], '503', context);
      assert.deepEqual((JSON.parse(answer[2]!) as { details: Record<string, unknown> }).details.shutdown, { status: 'down', message: 'shutting down' }, context);
      assert.equal(result.code, 0, context);
    }, 'readiness-stop');
  });
});
