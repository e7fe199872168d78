#!/usr/bin/env node
// Embedded Blink (startBlink(), dist/embed.js) as a test suite sees it:
// `npm run build && node bench/embedded.mjs [--reps N]`. See bench/README.md.
//
// Each measurement runs in a FRESH child process (Node built-ins + kafkajs from devDependencies),
// so a repetition starts cold, as the first test of a suite does:
//   one:      time from startBlink() to a kafkajs producer connected to it; stop() time;
//             RSS of the process with Blink imported, then with the broker running; then the
//             same time for a second broker in the same (now warm) process.
//   parallel: 10 brokers started with Promise.all, a producer connected to each; wall time,
//             RSS with all ten running, time to stop them all.
// Prints medians over the repetitions as a table, then as the LAST stdout line one JSON object.
// Every child has a time limit; exit 0 only if every run succeeded.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const EMBED = path.join(ROOT, 'dist/embed.js');
const CHILD_TIMEOUT_MS = 120_000;
const PARALLEL = 10;
const MIB = 1024 * 1024;

const rssMiB = () => process.memoryUsage().rss / MIB;

async function connectedProducer(bootstrap) {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const producer = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  return producer;
}

/** Child: one broker. */
async function measureOne() {
  const rssBare = rssMiB();
  const { startBlink } = await import(EMBED);
  await import('kafkajs');
  const rssImported = rssMiB();
  const t0 = performance.now();
  const broker = await startBlink();
  const startedMs = performance.now() - t0;
  const producer = await connectedProducer(broker.bootstrap);
  const connectedMs = performance.now() - t0;
  const rssRunning = rssMiB();
  await producer.disconnect();
  const s0 = performance.now();
  await broker.stop();
  const stopMs = performance.now() - s0;
  // A second broker in the same process: what every start after a suite's first one costs.
  const w0 = performance.now();
  const again = await startBlink();
  const warmProducer = await connectedProducer(again.bootstrap);
  const warmConnectedMs = performance.now() - w0;
  await warmProducer.disconnect();
  await again.stop();
  return { startedMs, connectedMs, stopMs, warmConnectedMs, rssBare, rssImported, rssRunning };
}

/** Child: PARALLEL brokers at once. */
async function measureParallel() {
  const { startBlink } = await import(EMBED);
  await import('kafkajs');
  const rssImported = rssMiB();
  const t0 = performance.now();
  const brokers = await Promise.all(Array.from({ length: PARALLEL }, () => startBlink()));
  const startedMs = performance.now() - t0;
  const producers = await Promise.all(brokers.map((broker) => connectedProducer(broker.bootstrap)));
  const connectedMs = performance.now() - t0;
  const rssRunning = rssMiB();
  await Promise.all(producers.map((producer) => producer.disconnect()));
  const s0 = performance.now();
  await Promise.all(brokers.map((broker) => broker.stop()));
  return { startedMs, connectedMs, stopMs: performance.now() - s0, rssImported, rssRunning };
}

function runChild(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child ${mode} failed: code ${code} signal ${signal}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function medians(runs) {
  return Object.fromEntries(Object.keys(runs[0]).map((key) => [key, Math.round(median(runs.map((run) => run[key])) * 10) / 10]));
}

async function main() {
  // Imported here, not at the top: the measuring children load nothing but what they measure.
  const { benchArgs } = await import('./lib.mjs');
  const { reps } = benchArgs('usage: node bench/embedded.mjs [--reps N]', { reps: 5 }, { numbers: ['reps'] });
  const one = [];
  const parallel = [];
  for (let rep = 0; rep < reps; rep++) {
    process.stderr.write(`rep ${rep + 1}/${reps}\n`);
    one.push(await runChild('one'));
    parallel.push(await runChild('parallel'));
  }
  const result = { reps, one: medians(one), parallel: { brokers: PARALLEL, ...medians(parallel) } };
  const o = result.one;
  const p = result.parallel;
  console.log(`embedded Blink, medians of ${reps} fresh processes`);
  console.log(`  one broker:  startBlink() ${o.startedMs} ms, to connected producer ${o.connectedMs} ms, stop() ${o.stopMs} ms`);
  console.log(`               a second broker in the same process: to connected producer ${o.warmConnectedMs} ms`);
  console.log(`               RSS: node ${o.rssBare} MiB, Blink imported ${o.rssImported} MiB, broker running ${o.rssRunning} MiB (+${Math.round((o.rssRunning - o.rssImported) * 10) / 10})`);
  console.log(`  ${PARALLEL} at once: all started ${p.startedMs} ms, all producers connected ${p.connectedMs} ms, all stopped ${p.stopMs} ms`);
  console.log(`               RSS: Blink imported ${p.rssImported} MiB, ${PARALLEL} running ${p.rssRunning} MiB (+${Math.round(((p.rssRunning - p.rssImported) / PARALLEL) * 10) / 10} per broker)`);
  console.log(JSON.stringify(result));
}

const childArg = process.argv.indexOf('--child');
if (childArg > 0) {
  const mode = process.argv[childArg + 1];
  const measured = mode === 'one' ? await measureOne() : await measureParallel();
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  process.exit(0);
} else {
  await main();
}
