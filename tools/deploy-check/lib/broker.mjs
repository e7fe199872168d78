/**
 * The real broker, run from the emulated image layout (lib/image.mjs): its settings loader
 * asked about a settings file, and whole boots: /health/ready, the image's health-check
 * script, the host name a Kafka Metadata request returns, /prometheus, then SIGTERM and
 * a clean exit 0 within the broker's 10 s shutdown deadline.
 */
import { chownSync, mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, run, sleep, start } from './proc.mjs';

const READY_TIMEOUT_MS = 20_000;
const SHUTDOWN_DEADLINE_MS = 10_000;
const HTTP_TIMEOUT_MS = 2_000;

/** The broker's verdict on a settings file (or none: '-') under `env`; see settings-probe.mjs. */
export async function probeSettings(image, settingsFile, env = {}) {
  const result = await run(image.node, [image.probeScript, join(image.appDir, 'dist'), settingsFile], {
    cwd: image.appDir,
    env: { PATH: process.env.PATH, ...env },
    timeoutMs: 20_000,
  });
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`settings probe printed no answer (exit ${result.code})\n${result.stderr.trim()}`);
  }
}

/** Two free ports for the Kafka listeners. */
export async function freeKafkaPorts() {
  return [await freePort(), await freePort()];
}

/**
 * Boots the broker with `args` and `env` (ports are replaced by free ones, or `kafkaPorts`),
 * runs `whileUp` with { restPort, kafkaPort, get }, then stops it with SIGTERM. Returns what
 * whileUp returned plus the shutdown time. With `restCa` the REST port is HTTPS, checked
 * against that CA for the name `restServername`.
 */
export async function withRunningBroker(image, { args = [], env = {}, kafkaPorts: chosenPorts, restCa, restServername }, whileUp) {
  const kafkaPorts = chosenPorts ?? (await freeKafkaPorts());
  const restPort = await freePort();
  // A fresh WAL directory per boot, owned by the image's user, inside the image's volume.
  const recordsDir = mkdtempSync(join(image.recordsDir, 'boot-'));
  if (image.uid !== undefined) chownSync(recordsDir, image.uid, image.gid);
  const fullEnv = {
    PATH: process.env.PATH,
    ...env,
    BROKER_PORTS: kafkaPorts.join(','),
    REST_PORT: String(restPort),
    KAFKA_HOSTNAME: '127.0.0.1',
    RECORD_STORAGE_PATH: recordsDir,
  };
  // The image's ENTRYPOINT (node, its flags, the entry script), with the project's node binary.
  const broker = start(image.node, [...image.entrypoint.slice(1), ...args], {
    cwd: image.appDir,
    env: fullEnv,
    uid: image.uid,
    gid: image.gid,
  });
  const get = restCa ? (path) => httpsGet(restPort, path, { ca: restCa, servername: restServername }) : (path) => httpGet(`http://127.0.0.1:${restPort}${path}`);
  try {
    await waitUntilReady(broker, get);
    const value = await whileUp({ restPort, kafkaPort: kafkaPorts[0], get, env: fullEnv });
    const stoppedAt = Date.now();
    broker.child.kill('SIGTERM');
    const exit = await Promise.race([broker.exited, sleep(SHUTDOWN_DEADLINE_MS + 2_000, { unref: true }).then(() => null)]);
    const shutdownMs = Date.now() - stoppedAt;
    if (exit === null) throw new Error(`no exit ${SHUTDOWN_DEADLINE_MS + 2_000} ms after SIGTERM`);
    if (exit.code !== 0) throw new Error(`exit ${exit.code ?? exit.signal} after SIGTERM (expected 0)\n${broker.output()}`);
    if (shutdownMs > SHUTDOWN_DEADLINE_MS) throw new Error(`SIGTERM to exit took ${shutdownMs} ms (deadline ${SHUTDOWN_DEADLINE_MS} ms)`);
    return { value, shutdownMs };
  } catch (error) {
    broker.child.kill('SIGKILL');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\nbroker output:\n${broker.output().trim().split('\n').slice(-15).join('\n')}`);
  }
}

async function waitUntilReady(broker, get) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = null;
  broker.exited.then((exit) => (exited = exit));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the broker exited (${exited.code ?? exited.signal}) before /health/ready answered`);
    const answer = await get('/health/ready').catch(() => null);
    if (answer?.status === 200) return;
    await sleep(100);
  }
  throw new Error(`/health/ready did not answer 200 within ${READY_TIMEOUT_MS} ms`);
}

async function httpGet(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  return { status: response.status, body: await response.text() };
}

/** GET over HTTPS, the certificate checked against `ca` for `servername` (fetch takes no CA). */
function httpsGet(port, path, { ca, servername }) {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path, ca, servername, timeout: HTTP_TIMEOUT_MS }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${path} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/**
 * The brokers of a Kafka Metadata v0 response (request: no topics). v0 is the simplest
 * version every broker serves: brokers = [node_id int32, host string, port int32].
 */
export function kafkaMetadataBrokers(port) {
  const API_KEY_METADATA = 3;
  const CORRELATION_ID = 7;
  const clientId = Buffer.from('deploy-check');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let at = body.writeInt16BE(API_KEY_METADATA, 0);
  at = body.writeInt16BE(0, at);
  at = body.writeInt32BE(CORRELATION_ID, at);
  at = body.writeInt16BE(clientId.length, at);
  at += clientId.copy(body, at);
  body.writeInt32BE(0, at);
  const frame = Buffer.concat([Buffer.alloc(4), body]);
  frame.writeInt32BE(body.length, 0);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks = [];
    socket.setTimeout(HTTP_TIMEOUT_MS, () => socket.destroy(new Error('Metadata request timed out')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
      socket.end();
      if (data.readInt32BE(4) !== CORRELATION_ID) return reject(new Error('Metadata response has another correlation id'));
      const brokers = [];
      let offset = 8;
      const count = data.readInt32BE(offset);
      offset += 4;
      for (let index = 0; index < count; index++) {
        const nodeId = data.readInt32BE(offset);
        const hostLength = data.readInt16BE(offset + 4);
        const host = data.toString('utf8', offset + 6, offset + 6 + hostLength);
        offset += 6 + hostLength;
        brokers.push({ nodeId, host, port: data.readInt32BE(offset) });
        offset += 4;
      }
      resolve(brokers);
    });
  });
}
