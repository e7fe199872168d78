// The uplink's benchmark: how fast Blink copies records into a real Apache Kafka broker, and
// how far behind the copy stays while producers write. Prints medians over the repetitions
// (a table, then one JSON line); never a pass/fail test.
//
//   npm run bench:uplink                          (build first: npm run build && npx tsc -p tsconfig.json)
//   node bench/uplink.mjs [--reps 3] [--records 200000] [--size 100] [--rate 20000] [--seconds 10] [--version 3.9|4]
//
// Needs kcat and the Kafka jars of tools/test-deps/jvm.sh. One Kafka broker (single-node KRaft,
// bench/apache-kafka.mjs) serves every repetition; each repetition uses a fresh Blink broker
// (durable mode, a temporary data directory) and fresh topics:
//
// 1. catch-up: Blink runs without the uplink while kcat produces --records records of --size
//    bytes (batches of up to 10,000 records, no compression); Blink restarts with the uplink on.
//    Timed from the first mirrored record to the last (GET /api/v1/uplink, sampled every 20 ms):
//    records/s and MB/s (10^6 payload bytes) copied. "start" is from /health/ready to the first
//    mirrored record (connecting, creating the remote topic, the first produce).
// 2. lag under load: one kcat producer writes --rate records/s (paced in 10 ms steps, linger 5 ms)
//    for --seconds s while the uplink copies; the uplink's lag is sampled every 100 ms: median
//    and max lag in records and in seconds (age of the oldest record not yet copied), then the
//    time from the last produced record to "caught up".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startApacheKafka } from './apache-kafka.mjs';
import { benchArgs, freePorts } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = fs.existsSync(path.join(ROOT, 'node_modules/.bin/node')) ? path.join(ROOT, 'node_modules/.bin/node') : process.execPath;
const READY_TIMEOUT_MS = 60_000;
const CATCH_UP_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 10_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function startBlink(place, env) {
  const child = spawn(NODE, [path.join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BROKER_PORTS: String(place.kafkaPort),
      REST_PORT: String(place.restPort),
      KAFKA_HOSTNAME: '127.0.0.1',
      ADVERTISED_HOSTNAME: '127.0.0.1',
      RECORD_STORAGE_PATH: place.storage,
      STORAGE_MODE: 'durable',
      MAX_MEMORY: '2GB',
      RETENTION: '1h',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${place.restPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status, () => 0);
    if (status === 200) return { child, url, bootstrap: `127.0.0.1:${place.kafkaPort}`, readyAt: performance.now(), output: () => output };
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  child.kill('SIGKILL');
  throw new Error(`Blink not ready: ${output.slice(-2000)}`);
}

async function stopBlink(blink) {
  if (blink.child.exitCode !== null) return;
  const exited = new Promise((resolve) => blink.child.once('exit', resolve));
  blink.child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)])) return;
  blink.child.kill('SIGKILL');
  await exited;
}

async function uplinkStatus(blink) {
  const response = await fetch(`${blink.url}/api/v1/uplink`, { signal: AbortSignal.timeout(5_000) });
  return response.json();
}

/** kcat producing `count` records of `size` bytes as fast as it can (one batch per 10,000 records at most). */
async function produceBacklog(bootstrap, topic, count, size) {
  const line = 'x'.repeat(size);
  const child = spawn('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', 'linger.ms=20', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=1000000'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const chunk = `${line}\n`.repeat(10_000);
  for (let sent = 0; sent < count; sent += 10_000) {
    if (!child.stdin.write(sent + 10_000 <= count ? chunk : `${line}\n`.repeat(count - sent))) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`kcat produce exited ${code}`);
}

/** kcat writing `rate` records/s for `seconds` s (lines fed every 10 ms); resolves when the last is acknowledged. */
async function produceAtRate(bootstrap, topic, rate, seconds, size) {
  const line = `${'y'.repeat(size)}\n`;
  const child = spawn('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', 'linger.ms=5'], { stdio: ['pipe', 'ignore', 'pipe'] });
  const started = performance.now();
  let sent = 0;
  while (sent < rate * seconds) {
    const due = Math.min(rate * seconds, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due > sent) {
      child.stdin.write(line.repeat(due - sent));
      sent = due;
    }
    await sleep(10);
  }
  child.stdin.end();
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`kcat produce exited ${code}`);
  return performance.now();
}

async function catchUp(args, kafka, rep) {
  const [kafkaPort, restPort] = await freePorts(2);
  const place = { kafkaPort, restPort, storage: fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-uplink-')) };
  const topic = `bench-backlog-r${rep}-${Date.now()}`;
  try {
    const plain = await startBlink(place, {});
    await produceBacklog(plain.bootstrap, topic, args.records, args.size);
    await stopBlink(plain);
    const blink = await startBlink(place, { UPLINK_BOOTSTRAP_SERVERS: kafka.bootstrap, UPLINK_TOPICS: 'bench-.*' });
    try {
      return await timeCatchUp(blink, args);
    } finally {
      await stopBlink(blink);
    }
  } finally {
    fs.rmSync(place.storage, { recursive: true, force: true });
  }
}

async function timeCatchUp(blink, args) {
  let firstAt = null;
  const deadline = performance.now() + CATCH_UP_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const status = await uplinkStatus(blink);
    const now = performance.now();
    if (firstAt === null && status.mirroredRecords > 0) firstAt = now;
    if (status.mirroredRecords >= args.records && status.lagRecords === 0) {
      const seconds = (now - firstAt) / 1000;
      return { start_ms: Math.round(firstAt - blink.readyAt), records_per_s: Math.round(args.records / seconds), mb_per_s: round((args.records * args.size) / 1e6 / seconds, 2) };
    }
    await sleep(20);
  }
  throw new Error(`the uplink did not catch up within ${CATCH_UP_TIMEOUT_MS} ms: ${blink.output().slice(-2000)}`);
}

async function lagUnderLoad(args, kafka, rep) {
  const [kafkaPort, restPort] = await freePorts(2);
  const place = { kafkaPort, restPort, storage: fs.mkdtempSync(path.join(os.tmpdir(), 'blink-bench-uplink-')) };
  const topic = `bench-live-r${rep}-${Date.now()}`;
  const blink = await startBlink(place, { UPLINK_BOOTSTRAP_SERVERS: kafka.bootstrap, UPLINK_TOPICS: 'bench-.*' });
  try {
    await produceBacklog(blink.bootstrap, topic, 1, args.size);
    while ((await uplinkStatus(blink)).state !== 'caught-up') await sleep(50);
    const samples = [];
    let producing = true;
    const sampler = (async () => {
      while (producing) {
        const status = await uplinkStatus(blink);
        samples.push({ records: status.lagRecords, seconds: status.lagSeconds });
        await sleep(100);
      }
    })();
    const lastProducedAt = await produceAtRate(blink.bootstrap, topic, args.rate, args.seconds, args.size);
    producing = false;
    await sampler;
    while ((await uplinkStatus(blink)).lagRecords > 0) await sleep(10);
    return {
      lag_records_median: median(samples.map((s) => s.records)),
      lag_records_max: Math.max(...samples.map((s) => s.records)),
      lag_s_median: round(median(samples.map((s) => s.seconds)), 3),
      lag_s_max: round(Math.max(...samples.map((s) => s.seconds)), 3),
      drain_ms: Math.round(performance.now() - lastProducedAt),
    };
  } finally {
    await stopBlink(blink);
    fs.rmSync(place.storage, { recursive: true, force: true });
  }
}

async function main() {
  const args = benchArgs(
    'usage: node bench/uplink.mjs [--reps 3] [--records 200000] [--size 100] [--rate 20000] [--seconds 10] [--version 3.9|4]',
    { reps: 3, records: 200_000, size: 100, rate: 20_000, seconds: 10, version: '3.9' },
    {
      numbers: ['reps', 'records', 'size', 'rate', 'seconds'],
      strings: ['version'],
      integers: { records: [1, 100_000_000], size: [1, 1_000_000], rate: [1, 10_000_000], seconds: [1, 3_600] },
      choices: { version: ['3.9', '4'] },
    },
  );
  const kafka = await startApacheKafka({ version: args.version, heapMb: 1024 });
  const runs = [];
  try {
    for (let rep = 1; rep <= args.reps; rep++) {
      const run = { rep, catch_up: await catchUp(args, kafka, rep), under_load: await lagUnderLoad(args, kafka, rep) };
      console.error(`rep ${rep}: ${JSON.stringify(run)}`);
      runs.push(run);
    }
  } finally {
    await kafka.stop();
  }
  const summary = {};
  for (const group of ['catch_up', 'under_load']) {
    for (const key of Object.keys(runs[0][group])) summary[`${group}.${key}`] = median(runs.map((r) => r[group][key]));
  }
  console.log(`uplink → Apache Kafka ${args.version}: ${args.records} × ${args.size} B backlog; ${args.rate} records/s for ${args.seconds} s; medians of ${args.reps}`);
  for (const [name, value] of Object.entries(summary)) console.log(`  ${name.padEnd(34)} ${value}`);
  console.log(JSON.stringify({ args, summary, runs }));
}

main().catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});
