#!/usr/bin/env node
// Memory an idle client connection holds in the broker: JavaScript heap, V8 external memory and
// RSS per connection, per listener kind.
//
//   node bench/conn-memory.mjs [--baseline DIR] [--reps N] [--conns 1500] [--modes plaintext,...]
//                              [--snapshot] [--top 30]
//
// Modes (--modes, comma-separated, default plaintext; each is a broker listener and what its
// clients do before they are idle):
//   plaintext     PLAINTEXT: ApiVersions v3, Metadata v12
//   ssl           SSL (TLS 1.3, a P-256 certificate made with openssl for the run, as the e2e
//                 tests make theirs): the handshake, then as plaintext
//   sasl-plain    SASL_PLAINTEXT, PLAIN: ApiVersions v3, SaslHandshake v1, SaslAuthenticate v2,
//                 Metadata v12
//   sasl-scram256 SASL_PLAINTEXT, SCRAM-SHA-256 (two SaslAuthenticate v2), then Metadata v12
//   sasl-scram512 SASL_PLAINTEXT, SCRAM-SHA-512
//   sasl-ssl      SASL_SSL, SCRAM-SHA-512 (what bench/security.mjs and most deployments run)
//   all           every mode above
// --fetch KiB: before it is idle, each connection also fetches a topic of that many KiB (batches
// of 256 KiB, produced once per broker): a consumer's connection between two fetches. The
// answer is one Fetch of the whole topic.
//
// Per run: a fresh broker (memory mode) of this checkout (and of DIR, interleaved, with
// --baseline), loaded with bench/batch-heap-preload.cjs. 50 connections do what every one does
// (the code is compiled, one-off state exists) and close, then a quiet point: two forced
// full collections (SIGUSR2 to the preload), heap used, external memory and RSS read in the
// broker. Then --conns connections (100 at a time) each do what their mode does (every answer's
// error code checked) and stay open; 1 s later, the second quiet point. Per connection: (second
// - first) / --conns. The connections are then closed and a third point taken: what is left
// (per connection) is what closing does not give back. Prints per run and the medians.
// --snapshot: heap snapshots at both points of each run (slow: seconds each, several hundred MB
// of bench memory); prints, for the last run of each side, what one connection holds by node
// type and constructor (count and bytes per connection, top --top by bytes), and for the top
// rows what holds them (the retaining edge and its owner). Take the figures from runs without it
// (a snapshot moves RSS).
// Not a timed test: bytes, not speed.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { benchArgs, freePorts, makeCertificates, median, requestFrame, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const USAGE = 'usage: node bench/conn-memory.mjs [--baseline DIR] [--reps N] [--conns 1500] [--modes plaintext,ssl,sasl-plain,sasl-scram256,sasl-scram512,sasl-ssl|all] [--fetch KiB] [--snapshot] [--top 30]';
const opts = benchArgs(
  USAGE,
  { baseline: null, reps: 3, conns: 1500, modes: 'plaintext', fetch: 0, snapshot: false, top: 30 },
  { flags: ['snapshot'], numbers: ['reps', 'conns', 'top', 'fetch'], strings: ['baseline', 'modes'] },
);
const WARM_CONNS = 50;
const BURST = 100;
const USER = 'bench';
const PASSWORD = 'bench-Secret-1';

/** Each mode's listener and its clients' login (mechanism null: none). */
const MODES = {
  plaintext: { protocol: 'PLAINTEXT', mechanism: null },
  ssl: { protocol: 'SSL', mechanism: null },
  'sasl-plain': { protocol: 'SASL_PLAINTEXT', mechanism: 'PLAIN' },
  'sasl-scram256': { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256' },
  'sasl-scram512': { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-512' },
  'sasl-ssl': { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' },
};
const modes = opts.modes === 'all' ? Object.keys(MODES) : opts.modes.split(',').map((m) => m.trim());
for (const m of modes) if (MODES[m] === undefined) throw new Error(`unknown mode ${m}\n${USAGE}`);

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { KafkaWriter } = await dist('wire/writer.js');
const { KafkaReader } = await dist('wire/reader.js');
const { ApiVersionsApi } = await dist('wire/messages/18-api-versions.js');
const { MetadataApi } = await dist('wire/messages/03-metadata.js');
const { SaslHandshakeApi } = await dist('wire/messages/17-sasl-handshake.js');
const { SaslAuthenticateApi } = await dist('wire/messages/36-sasl-authenticate.js');
const { CreateTopicsApi } = await dist('wire/messages/19-create-topics.js');
const { ProduceApi } = await dist('wire/messages/00-produce.js');
const { FetchApi } = await dist('wire/messages/01-fetch.js');
const { encodeRecordBatch } = await dist('record-format/record-batch-encoder.js');

const request = (codec, version, correlationId, body) => requestFrame(KafkaWriter, codec, version, correlationId, 'conn-memory-bench', body);

/** Size-prefixed frames off a socket, one at a time (`next()` resolves with the frame after its size). */
class Frames {
  constructor(socket) {
    this.buffered = Buffer.alloc(0);
    this.waiting = null;
    this.failure = null;
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  next() {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.wake();
    });
  }

  fail(err) {
    this.failure ??= err;
    this.wake();
  }

  wake() {
    if (this.waiting === null) return;
    const { resolve, reject } = this.waiting;
    if (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
      const frame = this.buffered.subarray(4, 4 + this.buffered.readInt32BE(0));
      this.buffered = this.buffered.subarray(4 + frame.length);
      this.waiting = null;
      resolve(frame);
    } else if (this.failure !== null) {
      this.waiting = null;
      reject(this.failure);
    }
  }
}

/** Sends `frame`, reads the answer to `correlationId` (its header flexible or not) and decodes it with `codec`. */
async function exchange(socket, frames, frame, codec, version, correlationId, flexibleHeader) {
  socket.write(frame);
  const answer = await frames.next();
  if (answer.readInt32BE(0) !== correlationId) throw new Error(`${codec.name}: answer to correlation id ${answer.readInt32BE(0)}, not ${correlationId}`);
  const reader = new KafkaReader(answer, 4);
  if (flexibleHeader) reader.skipTaggedFields();
  const body = codec.decodeResponse(reader, version);
  if ((body.errorCode ?? 0) !== 0) throw new Error(`${codec.name} answered error ${body.errorCode} ${body.errorMessage ?? ''}`);
  return body;
}

const HASHES = { 'SCRAM-SHA-256': ['sha256', 32], 'SCRAM-SHA-512': ['sha512', 64] };
/** Salted passwords by mechanism and salt: the client side of PBKDF2 once per broker, not per connection. */
const salted = new Map();

/** The client side of a SCRAM login (RFC 5802): the tokens for SaslAuthenticate, the server's final message checked. */
async function scramLogin(authenticate, mechanism) {
  const [hash, keyBytes] = HASHES[mechanism];
  const nonce = randomBytes(18).toString('base64');
  const bare = `n=${USER},r=${nonce}`;
  const serverFirst = (await authenticate(Buffer.from(`n,,${bare}`))).toString('utf8');
  const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  if (!attrs.r.startsWith(nonce)) throw new Error('SCRAM: the server nonce does not extend ours');
  const key = `${mechanism} ${attrs.s} ${attrs.i}`;
  if (!salted.has(key)) salted.set(key, pbkdf2Sync(PASSWORD, Buffer.from(attrs.s, 'base64'), Number(attrs.i), keyBytes, hash));
  const saltedPassword = salted.get(key);
  const hmac = (k, data) => createHmac(hash, k).update(data).digest();
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const finalBare = `c=${Buffer.from('n,,').toString('base64')},r=${attrs.r}`;
  const authMessage = `${bare},${serverFirst},${finalBare}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i])).toString('base64');
  const serverFinal = (await authenticate(Buffer.from(`${finalBare},p=${proof}`))).toString('utf8');
  const expected = `v=${hmac(hmac(saltedPassword, 'Server Key'), authMessage).toString('base64')}`;
  if (serverFinal !== expected) throw new Error('SCRAM: wrong server signature');
}

/** A socket to the mode's listener, connected (and past the TLS handshake on an SSL one). */
function open(port, mode, certs) {
  return new Promise((resolve, reject) => {
    const socket = mode.protocol.endsWith('SSL')
      ? tls.connect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost', noDelay: true })
      : net.connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once(mode.protocol.endsWith('SSL') ? 'secureConnect' : 'connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** A connection past its mode's login: `send` writes a request and resolves with its decoded, error-checked answer. */
async function session(port, mode, certs) {
  const socket = await open(port, mode, certs);
  const frames = new Frames(socket);
  let correlationId = 0;
  const send = (codec, version, body) => {
    const id = ++correlationId;
    const flexible = codec.flexibleFrom !== null && version >= codec.flexibleFrom && codec !== ApiVersionsApi;
    return exchange(socket, frames, request(codec, version, id, body), codec, version, id, flexible);
  };
  try {
    await send(ApiVersionsApi, 3, { clientSoftwareName: 'conn-memory-bench', clientSoftwareVersion: '1.0' });
    if (mode.mechanism !== null) {
      await send(SaslHandshakeApi, 1, { mechanism: mode.mechanism });
      const authenticate = async (authBytes) => (await send(SaslAuthenticateApi, 2, { authBytes })).authBytes;
      if (mode.mechanism === 'PLAIN') await authenticate(Buffer.from(`\0${USER}\0${PASSWORD}`));
      else await scramLogin(authenticate, mode.mechanism);
    }
    return { socket, send };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

const FETCH_TOPIC = 'conn-memory-fetch';
const BATCH_BYTES = 256 * 1024;

/** --fetch: the topic every connection fetches from, holding --fetch KiB in batches of 256 KiB. */
async function fillFetchTopic(port, mode, certs) {
  const { socket, send } = await session(port, mode, certs);
  try {
    const created = await send(CreateTopicsApi, 5, { topics: [{ name: FETCH_TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    if (created.topics[0].errorCode !== 0) throw new Error(`CreateTopics answered ${created.topics[0].errorCode}`);
    for (let left = opts.fetch * 1024; left > 0; left -= BATCH_BYTES) {
      const records = encodeRecordBatch([{ key: null, value: Buffer.alloc(Math.min(left, BATCH_BYTES) - 100, 'x'), headers: [], timestampMs: Date.now() }]);
      const produced = await send(ProduceApi, 9, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: FETCH_TOPIC, partitionData: [{ index: 0, records }] }] });
      const answer = produced.responses[0].partitionResponses[0];
      if (answer.errorCode !== 0) throw new Error(`Produce answered ${answer.errorCode}`);
    }
  } finally {
    socket.destroy();
  }
}

const FETCH = {
  clusterId: null, replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 64 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: FETCH_TOPIC, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 64 << 20 }] }],
  forgottenTopicsData: [], rackId: '',
};

/**
 * One connection that has done what its mode's clients do before they are idle (ApiVersions v3,
 * the login if any, Metadata v12, with --fetch one Fetch v12 of the whole topic; every answer
 * checked); rejects on anything else.
 */
async function idleConnection(port, mode, certs) {
  const { socket, send } = await session(port, mode, certs);
  const timer = setTimeout(() => socket.destroy(new Error('not done within 20 s')), 20_000);
  try {
    const metadata = await send(MetadataApi, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    if (metadata.brokers.length !== 1) throw new Error('Metadata answered without its broker');
    if (opts.fetch > 0) {
      const fetched = (await send(FetchApi, 12, FETCH)).responses[0].partitions[0];
      if (fetched.errorCode !== 0 || (fetched.records?.length ?? 0) < opts.fetch * 1024 - 1024) throw new Error(`Fetch answered ${fetched.errorCode}, ${fetched.records?.length ?? 0} bytes`);
    }
    socket.removeAllListeners('data');
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function openConnections(port, count, mode, certs) {
  const sockets = [];
  while (sockets.length < count) {
    const burst = Math.min(BURST, count - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: burst }, () => idleConnection(port, mode, certs)))));
  }
  return sockets;
}

async function closeConnections(sockets) {
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve).end())));
}

/** Heap, external and RSS after two full collections in the broker (and a heap snapshot with --snapshot). */
async function quietPoint(broker, out) {
  await sleep(300);
  fs.rmSync(out, { force: true });
  broker.child.kill('SIGUSR2');
  for (let i = 0; i < 2400 && !fs.existsSync(out); i++) await sleep(25);
  const point = JSON.parse(fs.readFileSync(out, 'utf8'));
  if (opts.snapshot) point.classes = snapshotClasses(`${out}.heapsnapshot`);
  return point;
}

/**
 * A heap snapshot's nodes summed by type and name: key -> [count, bytes, retainers]. Strings,
 * numbers and code are lumped; a closure is told by where its function is (bundle line:column, as
 * the snapshot's locations give it); a plain Object by its first property names. `retainers`
 * counts, per `owner key .edge`, the first strong edge that holds each node of the key.
 */
function snapshotClasses(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file, { force: true });
  const { meta } = snap.snapshot;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const width = fields.length;
  const edgeWidth = meta.edge_fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => fields.indexOf(f));
  const [edgeTypeAt, edgeNameAt, edgeToAt] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const { nodes, edges, strings } = snap;
  const places = new Map();
  const locationWidth = meta.location_fields?.length ?? 4;
  for (let i = 0; i < (snap.locations?.length ?? 0); i += locationWidth) places.set(snap.locations[i], `${snap.locations[i + 2] + 1}:${snap.locations[i + 3] + 1}`);
  const keys = new Array(nodes.length / width);
  let edgeAt = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = strings[nodes[i + nameAt]];
    const edgeCount = nodes[i + edgeCountAt];
    let key;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') key = '(string)';
    else if (type === 'number') key = '(heap number)';
    else if (type === 'code') key = `(code) ${name}`.slice(0, 60);
    else if (type === 'closure') key = `closure ${name} @${places.get(i) ?? '?'}`;
    else if (type === 'object' && name === 'Object') {
      const names = [];
      for (let e = edgeAt; e < edgeAt + edgeCount * edgeWidth && names.length < 4; e += edgeWidth) {
        if (edgeTypes[edges[e + edgeTypeAt]] === 'property') names.push(strings[edges[e + edgeNameAt]]);
      }
      key = `object Object {${names.join(',')}}`;
    } else key = `${type} ${name}`;
    edgeAt += edgeCount * edgeWidth;
    keys[i / width] = key.slice(0, 100);
  }
  const retainedBy = new Array(keys.length);
  edgeAt = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const edgeCount = nodes[i + edgeCountAt];
    for (let e = edgeAt; e < edgeAt + edgeCount * edgeWidth; e += edgeWidth) {
      const edgeType = edgeTypes[edges[e + edgeTypeAt]];
      if (edgeType === 'weak' || edgeType === 'shortcut') continue;
      const to = edges[e + edgeToAt] / width;
      if (retainedBy[to] !== undefined) continue;
      const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : String(strings[edges[e + edgeNameAt]]).slice(0, 40);
      retainedBy[to] = `${keys[i / width].slice(0, 60)} .${edgeName}`;
    }
    edgeAt += edgeCount * edgeWidth;
  }
  const classes = new Map();
  for (let n = 0; n < keys.length; n++) {
    let entry = classes.get(keys[n]);
    if (entry === undefined) classes.set(keys[n], (entry = [0, 0, new Map()]));
    entry[0]++;
    entry[1] += nodes[n * width + sizeAt];
    const by = retainedBy[n] ?? '(root)';
    entry[2].set(by, (entry[2].get(by) ?? 0) + 1);
  }
  return classes;
}

async function oneRun(root, modeName, certs) {
  const mode = MODES[modeName];
  const out = path.join(os.tmpdir(), `blink-conn-memory-${process.pid}.json`);
  const [port] = await freePorts(1);
  const security =
    mode.protocol === 'PLAINTEXT'
      ? {}
      : {
          LISTENERS: `${mode.protocol}://127.0.0.1:${port}`,
          ...(mode.protocol.endsWith('SSL') ? { SSL_CERT_FILE: path.join(certs.dir, 'server.pem'), SSL_KEY_FILE: path.join(certs.dir, 'server.key') } : {}),
          ...(mode.mechanism === null ? {} : { SASL_ENABLED_MECHANISMS: mode.mechanism, SASL_USERS: `${USER}:${PASSWORD}` }),
        };
  const broker = await startBlink({
    root,
    env: {
      LOG_LEVEL: 'warn',
      STORAGE_MODE: 'memory',
      BATCH_HEAP_OUT: out,
      BATCH_HEAP_SNAPSHOT: opts.snapshot ? '1' : '0',
      NODE_OPTIONS: `--require ${path.join(HERE, 'batch-heap-preload.cjs')}`,
      ...security,
    },
  });
  const kafkaPort = mode.protocol === 'PLAINTEXT' ? broker.kafkaPort : port;
  try {
    await sleep(1000);
    if (opts.fetch > 0) await fillFetchTopic(kafkaPort, mode, certs);
    await closeConnections(await openConnections(kafkaPort, WARM_CONNS, mode, certs));
    const before = await quietPoint(broker, out);
    const sockets = await openConnections(kafkaPort, opts.conns, mode, certs);
    await sleep(1000);
    const open = await quietPoint(broker, out);
    await closeConnections(sockets);
    const closed = await quietPoint(broker, out);
    return { before, open, closed };
  } finally {
    await stopBlink(broker);
    fs.rmSync(out, { force: true });
    fs.rmSync(`${out}.heapsnapshot`, { force: true });
  }
}

function perConnection(r) {
  const per = (a, b, key) => (b[key] - a[key]) / opts.conns;
  return {
    heap: per(r.before, r.open, 'heapUsed'),
    external: per(r.before, r.open, 'external'),
    rss: per(r.before, r.open, 'rss'),
    heapLeft: per(r.before, r.closed, 'heapUsed') + per(r.before, r.closed, 'external'),
    rssLeft: per(r.before, r.closed, 'rss'),
  };
}

function describe(label, r) {
  const p = perConnection(r);
  return `${label}: heap ${p.heap.toFixed(0)} B + external ${p.external.toFixed(0)} B = ${(p.heap + p.external).toFixed(0)} B per connection; RSS ${p.rss.toFixed(0)} B per connection (${((p.rss * 1000) / 2 ** 20).toFixed(2)} MiB per 1,000); left after close ${p.heapLeft.toFixed(0)} B (RSS ${p.rssLeft.toFixed(0)} B)`;
}

function classTable(r) {
  const rows = [];
  for (const [key, [count, bytes, retainers]] of r.open.classes) {
    const [count0, bytes0, retainers0] = r.before.classes.get(key) ?? [0, 0, new Map()];
    const by = [...retainers].map(([owner, n]) => [owner, (n - (retainers0.get(owner) ?? 0)) / opts.conns]).filter(([, n]) => n >= 0.05);
    by.sort((a, b) => b[1] - a[1]);
    rows.push({ key, count: (count - count0) / opts.conns, bytes: (bytes - bytes0) / opts.conns, by });
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((s, row) => s + row.bytes, 0);
  const lines = rows
    .filter((row) => Math.abs(row.bytes) >= 1)
    .slice(0, opts.top)
    .map((row) => {
      const by = row.by.slice(0, 2).map(([owner, n]) => `${n.toFixed(2)} x ${owner}`).join('; ');
      return `  ${row.bytes.toFixed(1).padStart(8)} B  ${row.count.toFixed(2).padStart(6)} x  ${row.key}${by === '' ? '' : `\n${' '.repeat(22)}held by ${by}`}`;
    });
  return [`  ${total.toFixed(1).padStart(8)} B  in all (snapshot self sizes per connection)`, ...lines].join('\n');
}

const sides = [{ label: 'this', root: ROOT }, ...(opts.baseline ? [{ label: 'baseline', root: path.resolve(opts.baseline) }] : [])];
const certDir = modes.some((m) => MODES[m].protocol.endsWith('SSL')) ? fs.mkdtempSync(path.join(os.tmpdir(), 'blink-conn-memory-certs-')) : null;
try {
  const certs = certDir === null ? null : makeCertificates(certDir);
  for (const modeName of modes) {
    const results = new Map(sides.map((s) => [s.label, []]));
    console.log(`mode ${modeName} (${MODES[modeName].protocol}${MODES[modeName].mechanism === null ? '' : `, ${MODES[modeName].mechanism}`}):`);
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
        const r = await oneRun(side.root, modeName, certs);
        results.get(side.label).push(r);
        console.log(`run ${rep + 1} ${describe(side.label, r)}`);
      }
    }
    console.log(`medians of ${opts.reps} runs, ${opts.conns} connections, mode ${modeName}:`);
    for (const side of sides) {
      const runs = results.get(side.label).map(perConnection);
      const m = (key) => median(runs.map((p) => p[key]));
      console.log(
        `  ${side.label}: heap ${m('heap').toFixed(0)} B + external ${m('external').toFixed(0)} B = ${median(runs.map((p) => p.heap + p.external)).toFixed(0)} B; RSS ${m('rss').toFixed(0)} B (${((m('rss') * 1000) / 2 ** 20).toFixed(2)} MiB per 1,000); left after close ${m('heapLeft').toFixed(0)} B (RSS ${m('rssLeft').toFixed(0)} B)`,
      );
    }
    if (opts.snapshot) {
      for (const side of sides) {
        const runs = results.get(side.label);
        console.log(`\n${side.label}, last run, mode ${modeName}: what one idle connection holds on the heap`);
        console.log(classTable(runs[runs.length - 1]));
      }
    }
    console.log('');
  }
} finally {
  if (certDir !== null) fs.rmSync(certDir, { recursive: true, force: true });
}
