/**
 * The security parts of the deployment, checked for real: throwaway certificates and a SASL
 * user made by deploy/docker/dev-certs.sh (the script the compose profile runs), laid out as
 * the pod mounts its Secrets (each key a symbolic link into a `..data` directory), and a
 * broker on them asked, over TLS verified against the CA, for ApiVersions and a SASL PLAIN
 * login as that user (SaslHandshake v1 + SaslAuthenticate v0).
 */
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { runOk } from './proc.mjs';

const EXCHANGE_TIMEOUT_MS = 5_000;
const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

/** Runs dev-certs.sh into a fresh directory under `parent`: { dir, ca, cert, key, users, user, password }. */
export async function devCertificates(repoRoot, parent, { hosts, password = 'deploy-check-secret' }) {
  // dev-certs.sh hands the directory to uid 1000 (the image's user) when run as root.
  const dir = mkdtempSync(join(parent, 'certs-'));
  await runOk('sh', [join(repoRoot, 'deploy/docker/dev-certs.sh'), dir], {
    env: { PATH: process.env.PATH, BLINK_CERT_HOSTS: hosts.join(' '), BLINK_ADMIN_PASSWORD: password },
    timeoutMs: 30_000,
  });
  return { dir, ca: readFileSync(join(dir, 'ca.crt')), files: { 'tls.crt': join(dir, 'tls.crt'), 'tls.key': join(dir, 'tls.key'), 'ca.crt': join(dir, 'ca.crt') }, usersDir: join(dir, 'users'), user: 'admin', password };
}

/**
 * A directory laid out as Kubernetes mounts a Secret: `..<timestamp>/` with the files,
 * `..data` linking to it, and one link per key. `files` maps key -> source file.
 */
export function secretMount(dir, files, owner) {
  const stamp = '..2026_01_01_00_00_00.000000001';
  mkdirSync(join(dir, stamp), { recursive: true });
  for (const [key, source] of Object.entries(files)) writeFileSync(join(dir, stamp, key), readFileSync(source), { mode: 0o440 });
  symlinkSync(stamp, join(dir, '..data'));
  for (const key of Object.keys(files)) symlinkSync(join('..data', key), join(dir, key));
  if (owner) {
    for (const path of [dir, join(dir, stamp), ...Object.keys(files).map((key) => join(dir, stamp, key))]) chownSync(path, owner.uid, owner.gid);
  }
  return dir;
}

/** The users directory of dev-certs.sh as a Secret's files (key = user name). */
export function userFiles(usersDir) {
  return Object.fromEntries(readdirSync(usersDir).map((name) => [name, join(usersDir, name)]));
}

/** `listeners` with each port replaced by the next of `ports` (same names, same order). */
export function relistenOn(listeners, ports) {
  return listeners
    .split(',')
    .map((listener, index) => listener.replace(/:\d+$/, `:${ports[index]}`))
    .join(',');
}

/**
 * Over TLS to 127.0.0.1:`port`, checked against `ca` for the name `servername`: ApiVersions
 * (SaslHandshake must be among the APIs), then with `login` a SASL PLAIN authentication.
 * Resolves with a summary; rejects on any refusal.
 */
export async function tlsKafkaLogin(port, { ca, servername, login }) {
  const socket = connect({ host: '127.0.0.1', port, ca, servername, minVersion: 'TLSv1.2' });
  const exchange = framedExchange(socket);
  try {
    await new Promise((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const versions = await exchange(API_VERSIONS, 0, Buffer.alloc(0));
    const errorCode = versions.readInt16BE(0);
    const keys = Array.from({ length: versions.readInt32BE(2) }, (_, index) => versions.readInt16BE(6 + index * 6));
    if (errorCode !== 0) throw new Error(`ApiVersions over TLS answered error ${errorCode}`);
    if (!keys.includes(SASL_HANDSHAKE)) throw new Error('ApiVersions does not list SaslHandshake');
    let summary = `TLS ${socket.getProtocol()} verified for ${servername}, ApiVersions: ${keys.length} APIs`;
    if (login) {
      const handshake = await exchange(SASL_HANDSHAKE, 1, kafkaString('PLAIN'));
      if (handshake.readInt16BE(0) !== 0) throw new Error(`SaslHandshake PLAIN answered error ${handshake.readInt16BE(0)}`);
      const token = Buffer.from(`\0${login.user}\0${login.password}`);
      const length = Buffer.alloc(4);
      length.writeInt32BE(token.length);
      const authenticated = await exchange(SASL_AUTHENTICATE, 0, Buffer.concat([length, token]));
      if (authenticated.readInt16BE(0) !== 0) throw new Error(`SaslAuthenticate as ${login.user} answered error ${authenticated.readInt16BE(0)}`);
      summary += `, SASL PLAIN login as ${login.user}`;
    }
    return summary;
  } finally {
    socket.destroy();
  }
}

function kafkaString(text) {
  const bytes = Buffer.from(text);
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Request header v1 out, response body (after the correlation id) back; one request at a time. */
function framedExchange(socket) {
  let buffered = Buffer.alloc(0);
  let waiting = null;
  let correlationId = 0;
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (waiting === null || buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
    const size = buffered.readInt32BE(0);
    const frame = buffered.subarray(4, 4 + size);
    buffered = buffered.subarray(4 + size);
    const done = waiting;
    waiting = null;
    done.resolve(frame);
  });
  socket.on('error', (error) => waiting?.reject(error));
  socket.on('close', () => waiting?.reject(new Error('the broker closed the connection')));
  return (apiKey, apiVersion, body) => {
    const id = ++correlationId;
    const header = Buffer.concat([Buffer.alloc(8), kafkaString('deploy-check')]);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(id, 4);
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to API ${apiKey} within ${EXCHANGE_TIMEOUT_MS} ms`)), EXCHANGE_TIMEOUT_MS);
      waiting = {
        resolve: (frame) => {
          clearTimeout(timer);
          if (frame.readInt32BE(0) !== id) reject(new Error(`API ${apiKey}: answer for another correlation id`));
          else resolve(frame.subarray(4));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(Buffer.concat([size, header, body]));
    });
  };
}
