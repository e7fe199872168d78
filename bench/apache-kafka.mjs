// A real Apache Kafka broker (single-node KRaft) for benchmarks, and its boot time and
// idle memory.
//
//   import { startApacheKafka } from './apache-kafka.mjs';
//   const kafka = await startApacheKafka({ version: '4', heapMb: 1024 });  // { bootstrap, pid, bootMs, logs(), stop() }
//
//   node bench/apache-kafka.mjs [--version 3.9|4|both] [--reps N] [--heap-mb MB] [--json FILE]
//
// The broker logic lives in test/e2e/support/apache-kafka.ts and is imported from its
// compiled form in dist-test/ (build it with `npx tsc -p tsconfig.json`); the jars come
// from `tools/test-deps/jvm.sh`. Boot = spawn of the broker JVM → first answered
// ApiVersions v0 + Metadata v1 (probed every 5 ms; storage formatting is not counted).
// Idle RSS = VmRSS of the JVM 1 s after it was ready, no client connected (as bench/run.mjs
// measures Blink's).
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE = path.join(ROOT, 'dist-test/test/e2e/support/apache-kafka.js');

/** startApacheKafka of test/e2e/support/apache-kafka.ts (same options, same handle). */
export async function startApacheKafka(options) {
  if (!fs.existsSync(MODULE)) throw new Error(`${MODULE} is missing: run \`npx tsc -p tsconfig.json\` first`);
  const module = await import(MODULE);
  return module.startApacheKafka(options);
}

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

async function measureOnce(version, heapMb) {
  const kafka = await startApacheKafka({ version, heapMb, probeIntervalMs: 5 });
  try {
    await sleep(1_000);
    return { version, heap_mb: heapMb, boot_ms: kafka.bootMs, idle_rss_mib: rssMiB(kafka.pid) };
  } finally {
    const stopping = Date.now();
    await kafka.stop();
    console.error(`  stopped in ${Date.now() - stopping} ms`);
  }
}

async function main() {
  const args = benchArgs(
    'usage: node bench/apache-kafka.mjs [--version 3.9|4|both] [--reps N] [--heap-mb MB] [--json FILE]',
    { version: 'both', reps: 1, 'heap-mb': 1024, json: undefined },
    { numbers: ['reps', 'heap-mb'], strings: ['version', 'json'], integers: { 'heap-mb': [256, 16_384] }, choices: { version: ['3.9', '4', 'both'] } },
  );
  args.versions = args.version === 'both' ? ['3.9', '4'] : [args.version];
  args.heapMb = args['heap-mb'];
  const results = [];
  for (let rep = 1; rep <= args.reps; rep++) {
    for (const version of args.versions) {
      const result = { rep, ...(await measureOnce(version, args.heapMb)) };
      console.error(`Apache Kafka ${version} rep ${rep}: boot ${result.boot_ms} ms, idle RSS ${result.idle_rss_mib} MiB (-Xmx${args.heapMb}m)`);
      results.push(result);
    }
  }
  console.log(JSON.stringify(results, null, 2));
  if (args.json !== undefined) fs.writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error?.stack ?? String(error));
    process.exit(1);
  });
}
