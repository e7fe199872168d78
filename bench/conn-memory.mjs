#!/usr/bin/env node
// Memory an idle client connection holds in the broker: JavaScript heap, V8 external memory and
// RSS per connection.
//
//   node bench/conn-memory.mjs [--baseline DIR] [--reps N] [--conns 1500] [--snapshot] [--top 30]
//
// Per run: a fresh broker (memory mode) of this checkout (and of DIR, interleaved, with
// --baseline), loaded with bench/batch-heap-preload.cjs. 50 connections do what every one does
// below and close (the code is compiled, one-off state exists), then a quiet point: two forced
// full collections (SIGUSR2 to the preload), heap used, external memory and RSS read in the
// broker. Then --conns connections (100 at a time) each send ApiVersions v3 (with a client
// software name) and, once it is answered, Metadata v12 for every topic, as a client's idle
// connection has done, and stay open; 1 s later, the second quiet point. Per connection: (second
// - first) / --conns. The connections are then closed and a third point taken: what is left
// (per connection) is what closing does not give back. Prints per run and the medians.
// --snapshot: heap snapshots at both points of each run (slow: seconds each, several hundred MB
// of bench memory); prints, for the last run of each side, what one connection holds by node
// type and constructor (count and bytes per connection, top --top by bytes). Take the figures from
// runs without it (a snapshot moves RSS).
// Not a timed test: bytes, not speed.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs, median, startBlink, stopBlink } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const USAGE = 'usage: node bench/conn-memory.mjs [--baseline DIR] [--reps N] [--conns 1500] [--snapshot] [--top 30]';
const opts = benchArgs(USAGE, { baseline: null, reps: 3, conns: 1500, snapshot: false, top: 30 }, { flags: ['snapshot'], numbers: ['reps', 'conns', 'top'], strings: ['baseline'] });
const WARM_CONNS = 50;
const BURST = 100;

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { KafkaWriter } = await dist('wire/writer.js');
const { KafkaReader } = await dist('wire/reader.js');
const { ApiVersionsApi } = await dist('wire/messages/18-api-versions.js');
const { MetadataApi } = await dist('wire/messages/03-metadata.js');

function request(codec, version, correlationId, body) {
  const w = new KafkaWriter();
  const sizeAt = w.reserveInt32();
  w.writeInt16(codec.apiKey);
  w.writeInt16(version);
  w.writeInt32(correlationId);
  w.writeString('conn-memory-bench', false);
  if (codec.flexibleFrom !== null && version >= codec.flexibleFrom) w.writeEmptyTaggedFields();
  codec.encodeRequest(w, version, body);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}

const API_VERSIONS = request(ApiVersionsApi, 3, 1, { clientSoftwareName: 'conn-memory-bench', clientSoftwareVersion: '1.0' });
const METADATA = request(MetadataApi, 12, 2, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });

/** One connection that has had ApiVersions v3 and Metadata v12 answered (errors checked); rejects on anything else. */
function idleConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let buffered = Buffer.alloc(0);
    let step = 0;
    const timer = setTimeout(() => fail(new Error('no answer within 20 s')), 20_000);
    const fail = (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('connect', () => socket.write(API_VERSIONS));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
      buffered = buffered.subarray(4 + frame.length);
      const reader = new KafkaReader(frame, 4);
      if (step === 0) {
        const answer = ApiVersionsApi.decodeResponse(reader, 3);
        if (frame.readInt32BE(0) !== 1 || answer.errorCode !== 0) return fail(new Error(`ApiVersions answered ${answer.errorCode}`));
        step = 1;
        socket.write(METADATA);
        return;
      }
      reader.skipTaggedFields();
      const answer = MetadataApi.decodeResponse(reader, 12);
      if (frame.readInt32BE(0) !== 2 || answer.brokers.length !== 1) return fail(new Error('Metadata answered without its broker'));
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

async function openConnections(port, count) {
  const sockets = [];
  while (sockets.length < count) {
    const burst = Math.min(BURST, count - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: burst }, () => idleConnection(port)))));
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
 * A heap snapshot's nodes summed by type and name: key -> [count, bytes]. Strings, numbers and
 * code are lumped; a closure is told by where its function is (bundle line:column, as the
 * snapshot's locations give it); a plain Object by its first property names.
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
  const { nodes, edges, strings } = snap;
  const places = new Map();
  const locationWidth = meta.location_fields?.length ?? 4;
  for (let i = 0; i < (snap.locations?.length ?? 0); i += locationWidth) places.set(snap.locations[i], `${snap.locations[i + 2] + 1}:${snap.locations[i + 3] + 1}`);
  const classes = new Map();
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
        if (edgeTypes[edges[e]] === 'property') names.push(strings[edges[e + 1]]);
      }
      key = `object Object {${names.join(',')}}`;
    } else key = `${type} ${name}`;
    edgeAt += edgeCount * edgeWidth;
    key = key.slice(0, 100);
    const entry = classes.get(key) ?? [0, 0];
    entry[0]++;
    entry[1] += nodes[i + sizeAt];
    classes.set(key, entry);
  }
  return classes;
}

async function oneRun(root) {
  const out = path.join(os.tmpdir(), `blink-conn-memory-${process.pid}.json`);
  const broker = await startBlink({
    root,
    env: {
      LOG_LEVEL: 'warn',
      STORAGE_MODE: 'memory',
      BATCH_HEAP_OUT: out,
      BATCH_HEAP_SNAPSHOT: opts.snapshot ? '1' : '0',
      NODE_OPTIONS: `--require ${path.join(HERE, 'batch-heap-preload.cjs')}`,
    },
  });
  try {
    await sleep(1000);
    await closeConnections(await openConnections(broker.kafkaPort, WARM_CONNS));
    const before = await quietPoint(broker, out);
    const sockets = await openConnections(broker.kafkaPort, opts.conns);
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
  };
}

function describe(label, r) {
  const p = perConnection(r);
  return `${label}: heap ${p.heap.toFixed(0)} B + external ${p.external.toFixed(0)} B = ${(p.heap + p.external).toFixed(0)} B per connection; RSS ${p.rss.toFixed(0)} B per connection (${((p.rss * 1000) / 2 ** 20).toFixed(2)} MiB per 1,000); left after close ${p.heapLeft.toFixed(0)} B`;
}

function classTable(r) {
  const rows = [];
  for (const [key, [count, bytes]] of r.open.classes) {
    const [count0, bytes0] = r.before.classes.get(key) ?? [0, 0];
    rows.push({ key, count: (count - count0) / opts.conns, bytes: (bytes - bytes0) / opts.conns });
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((s, row) => s + row.bytes, 0);
  const lines = rows.filter((row) => Math.abs(row.bytes) >= 1).slice(0, opts.top).map((row) => `  ${row.bytes.toFixed(1).padStart(8)} B  ${row.count.toFixed(2).padStart(6)} x  ${row.key}`);
  return [`  ${total.toFixed(1).padStart(8)} B  in all (snapshot self sizes per connection)`, ...lines].join('\n');
}

const sides = [{ label: 'this', root: ROOT }, ...(opts.baseline ? [{ label: 'baseline', root: path.resolve(opts.baseline) }] : [])];
const results = new Map(sides.map((s) => [s.label, []]));
for (let rep = 0; rep < opts.reps; rep++) {
  for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
    const r = await oneRun(side.root);
    results.get(side.label).push(r);
    console.log(`run ${rep + 1} ${describe(side.label, r)}`);
  }
}
console.log(`\nmedians of ${opts.reps} runs, ${opts.conns} connections (ApiVersions v3 + Metadata v12 each):`);
for (const side of sides) {
  const runs = results.get(side.label).map(perConnection);
  const m = (key) => median(runs.map((p) => p[key]));
  console.log(
    `  ${side.label}: heap ${m('heap').toFixed(0)} B + external ${m('external').toFixed(0)} B = ${median(runs.map((p) => p.heap + p.external)).toFixed(0)} B; RSS ${m('rss').toFixed(0)} B (${((m('rss') * 1000) / 2 ** 20).toFixed(2)} MiB per 1,000); left after close ${m('heapLeft').toFixed(0)} B`,
  );
}
if (opts.snapshot) {
  for (const side of sides) {
    const runs = results.get(side.label);
    console.log(`\n${side.label}, last run: what one idle connection holds on the heap`);
    console.log(classTable(runs[runs.length - 1]));
  }
}
