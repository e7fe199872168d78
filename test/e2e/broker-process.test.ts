/**
 * The broker as a process: settings refused at boot, ApiVersions with an unsupported
 * version, garbage frames, the Prometheus route, and SIGTERM (the server's, and `blink embedded`'s).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { kcatDriver } from './clients/kcat.js';
import { TEST_TIMEOUT_MS, useBroker } from './client-suite.js';
import { type BrokerHandle, describeRun, freePort, NODE_BIN, REPO_ROOT, run, runBrokerToExit, startBroker, uniqueTopic, waitFor, waitForParkedFetches, withTimeout } from './harness.js';
import {
  API_VERSIONS_KEY,
  RawConnection,
  UNSUPPORTED_VERSION,
  apiVersionsRequest,
  nullableStringBytes,
  parseApiVersionsV0,
  fetchRequestV4,
  parseFetchV4Response,
  rawCreateTopic,
  rawProduce,
  rawRequest,
  storedBatchHeaders,
} from './raw-kafka.js';
import { buildBatch } from '../support/batch-builder.js';
import { withTempDir } from '../support/wal-fixtures.js';
import { STORED_BATCH_HEAP_BYTES } from '../../src/storage/memory-accountant.js';
import { assertAcksContiguousFromZero, assertConsumedExactly, makeMessages, rangesFromStart } from './records.js';

const REFUSED_BOOT_TIMEOUT_MS = 20_000;
const SIGTERM_EXIT_MS = 10_000;

/** Resolves once `broker` has printed its ready line. */
function readyLine(broker: BrokerHandle, what = 'the ready line'): Promise<true> {
  return waitFor(what, SIGTERM_EXIT_MS, async () => (broker.stdout().includes('Blink ready') ? true : undefined));
}

/** One ApiVersions v0 over a connection of its own: the answer. */
async function apiVersionsOnce(port: number, correlationId: number): Promise<ReturnType<typeof parseApiVersionsV0>> {
  const connection = await RawConnection.open(port);
  try {
    connection.write(apiVersionsRequest(0, correlationId));
    return parseApiVersionsV0(await connection.readFrame());
  } finally {
    connection.close();
  }
}

describe('invalid settings stop the boot', () => {
  test('a settings file with an unknown key and a bad size: non-zero exit, stderr names both keys', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'settings.yaml');
      await writeFile(file, 'max_memory: 12XB\nnot_a_setting: 1\nretention: 5m\n');
      const result = await runBrokerToExit({ args: ['--settings', file], timeoutMs: REFUSED_BOOT_TIMEOUT_MS });
      const context = describeRun('broker with bad settings', result);
      assert.equal(result.timedOut, false, context);
      assert.notEqual(result.code, 0, context);
      assert.notEqual(result.code, null, context);
      assert.match(result.stderr, /max_memory/, context);
      assert.match(result.stderr, /not_a_setting/, context);
      assert.doesNotMatch(result.stderr, /^\s+at /m, `one message, not a stack trace\n${context}`);
    }, 'e2e-settings');
  });

  test('REST_PORT equal to BROKER_PORTS: non-zero exit, stderr names rest_port', { timeout: TEST_TIMEOUT_MS }, async () => {
    const port = String(await freePort());
    const result = await runBrokerToExit({ env: { BROKER_PORTS: port, REST_PORT: port }, timeoutMs: REFUSED_BOOT_TIMEOUT_MS });
    const context = describeRun('broker with clashing ports', result);
    assert.equal(result.timedOut, false, context);
    assert.notEqual(result.code, 0, context);
    assert.notEqual(result.code, null, context);
    assert.match(result.stderr, /rest_port/i, context);
    assert.doesNotMatch(result.stderr, /^\s+at /m, `one message, not a stack trace\n${context}`);
  });

  // The Kafka listener on an IP address is bound at once (kafka-transport.ts, boundAtOnce): a port
  // another process holds fails that bind, and the boot, with the same one line as listen() gave.
  test('a Kafka port another process listens on: non-zero exit, stderr names the address and EADDRINUSE', { timeout: TEST_TIMEOUT_MS }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as net.AddressInfo).port;
      const result = await runBrokerToExit({ env: { BROKER_PORTS: String(port) }, timeoutMs: REFUSED_BOOT_TIMEOUT_MS });
      const context = describeRun('broker on a port in use', result);
      assert.equal(result.timedOut, false, context);
      assert.notEqual(result.code, 0, context);
      assert.notEqual(result.code, null, context);
      assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`), context);
      assert.doesNotMatch(result.stderr, /^\s+at /m, `one message, not a stack trace\n${context}`);
    } finally {
      holder.close();
    }
  });
});

describe('protocol edge cases on a running broker', () => {
  const broker = useBroker({ AUTO_CREATE_TOPICS: 'true', KAFKA_CFG_NUM_PARTITIONS: '3', MESSAGE_MAX_BYTES: '40MB' });

  test('a SASL handshake on a PLAINTEXT listener gets ILLEGAL_SASL_STATE, as from Kafka; a version beyond Kafka 3.9 gets a close', { timeout: TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(broker().kafkaPort);
    try {
      // SaslHandshake v0 (key 17) on a listener without SASL: response header v0, body int16
      // error ILLEGAL_SASL_STATE (34) + empty mechanisms, as Kafka's KafkaApis answers it.
      connection.write(rawRequest(17, 0, 41, false, nullableStringBytes('PLAIN')));
      const sasl = await connection.readFrame();
      assert.equal(sasl.toString('hex'), '00000029' + '0022' + '00000000');
    } finally {
      connection.close();
    }
    // Fetch v18 is beyond Kafka 3.9's specs (no layout to answer in), and Produce (served
    // 0-11) has no top-level error code: the only answer Kafka gives is a close.
    for (const [apiKey, version] of [[1, 18], [0, 12]] as const) {
      const beyond = await RawConnection.open(broker().kafkaPort);
      try {
        beyond.write(rawRequest(apiKey, version, 43, true, Buffer.alloc(0)));
        await beyond.waitForClose();
        assert.equal(beyond.closed, true, `API ${apiKey} v${version}`);
      } finally {
        beyond.close();
      }
    }
  });

  test('a 24 MiB produce request, larger than the per-connection read-ahead bound, is still read and answered', { timeout: TEST_TIMEOUT_MS }, async () => {
    const topic = uniqueTopic('huge-frame');
    const records = buildBatch([{ key: Buffer.from('big'), value: Buffer.alloc(24 * 1024 * 1024, 0x5a) }]);
    const answer = await rawProduce(broker().kafkaPort, { topic, partition: 0, records });
    assert.deepEqual([answer.errorCode, answer.baseOffset], [0, 0]);
    const stored = await storedBatchHeaders(broker().kafkaPort, topic, 0);
    assert.deepEqual(stored.map((b) => b.recordCount), [1]);
    // The bytes were read straight into pooled memory (own-buffer-reads.ts), not through Node's per-read buffers.
    assert.doesNotMatch(`${broker().stdout()}${broker().stderr()}`, /read through 'data' events/);
  });

  test('ApiVersions v99 gets UNSUPPORTED_VERSION with a v0 body listing ApiVersions, and the connection stays usable', { timeout: TEST_TIMEOUT_MS }, async () => {
    const connection = await RawConnection.open(broker().kafkaPort);
    try {
      connection.write(apiVersionsRequest(99, 0x0badcafe));
      const frame = await connection.readFrame();
      const response = parseApiVersionsV0(frame);
      assert.equal(response.correlationId, 0x0badcafe, 'response header v0: the correlation id only');
      assert.equal(response.errorCode, UNSUPPORTED_VERSION);
      assert.equal(response.trailingBytes, 0, 'v0 body: nothing after the api_keys array');
      const apiVersions = response.apiKeys.find((k) => k.apiKey === API_VERSIONS_KEY);
      assert.ok(apiVersions, `ApiVersions (18) among ${JSON.stringify(response.apiKeys)}`);
      assert.equal(apiVersions.minVersion, 0);
      assert.ok(apiVersions.maxVersion >= 3, `ApiVersions max version ${apiVersions.maxVersion} >= 3`);

      // Clients retry a lower version on the same connection (kafkajs v1 then v0, librdkafka v0).
      connection.write(apiVersionsRequest(0, 7));
      const retry = parseApiVersionsV0(await connection.readFrame());
      assert.equal(retry.correlationId, 7);
      assert.equal(retry.errorCode, 0);
      assert.ok(retry.apiKeys.some((k) => k.apiKey === API_VERSIONS_KEY));
    } finally {
      connection.close();
    }
  });

  test('garbage frames close only their own connection; other clients keep working', { timeout: TEST_TIMEOUT_MS }, async () => {
    const bystander = await RawConnection.open(broker().kafkaPort);
    const garbage = {
      'size 0x7fffffff': Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4]),
      'negative size': Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4]),
      'frame too short for a request header': Buffer.from([0, 0, 0, 3, 0xde, 0xad, 0xbe]),
    };
    try {
      for (const [label, bytes] of Object.entries(garbage)) {
        const victim = await RawConnection.open(broker().kafkaPort);
        try {
          victim.write(bytes);
          await victim.waitForClose(5_000).catch((error: Error) => assert.fail(`${label}: ${error.message}`));
        } finally {
          victim.close();
        }
      }
      assert.equal(bystander.closed, false, 'the connection opened before the garbage is still open');
      bystander.write(apiVersionsRequest(0, 42));
      const answer = parseApiVersionsV0(await bystander.readFrame());
      assert.equal(answer.correlationId, 42);
      assert.equal(answer.errorCode, 0);

      const kcat = kcatDriver(broker().bootstrap);
      const topic = uniqueTopic('after-garbage');
      const messages = makeMessages(kcat, { tag: 'after-garbage', count: 9, partitions: 3 });
      const acks = await kcat.produce(topic, messages);
      assertAcksContiguousFromZero(messages, acks);
      assertConsumedExactly(messages, acks, await kcat.consume!(topic, rangesFromStart(messages, 3)));
      assert.equal(broker().exited(), false, 'the broker is still running');
    } finally {
      bystander.close();
    }
  });

  test('GET /prometheus counts produce and fetch requests', { timeout: TEST_TIMEOUT_MS }, async () => {
    const kcat = kcatDriver(broker().bootstrap);
    const topic = uniqueTopic('metrics');
    const messages = makeMessages(kcat, { tag: 'metrics', count: 3, partitions: 3 });
    const acks = await kcat.produce(topic, messages);
    assertConsumedExactly(messages, acks, await kcat.consume!(topic, rangesFromStart(messages, 3)));

    const response = await fetch(`${broker().restUrl}/prometheus`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    assert.equal(response.status, 200);
    const sample = (metric: string): number => {
      const values = [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].map((m) => Number(m[1]));
      assert.ok(values.length > 0, `${metric} in /prometheus:\n${text.slice(0, 4000)}`);
      return values.reduce((a, b) => a + b, 0);
    };
    assert.ok(sample('blink_produce_count') >= 3, 'blink_produce_count counts the three produce requests');
    assert.ok(sample('blink_fetch_count') >= 1, 'blink_fetch_count counts the fetches');
    assert.ok(sample('blink_in_memory_queue_size_bytes') > 0, 'blink_in_memory_queue_size_bytes holds the stored batches');
    assert.equal(
      sample('blink_memory_used_bytes'),
      sample('blink_in_memory_queue_size_bytes') + STORED_BATCH_HEAP_BYTES * sample('blink_ram_batch_count'),
      'blink_memory_used_bytes: the batch bytes plus the heap counted per stored batch',
    );
    assert.match(text, /^# TYPE blink_produce_duration /m);
    assert.match(text, /^# TYPE blink_fetch_duration /m);
  });
});

describe('code cache', () => {
  test('a code-cache path that is a regular file only costs the speed-up: the broker boots, answers, and exits 0 on SIGTERM', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withTempDir(async (dir) => {
      const cacheFile = join(dir, 'not-a-directory');
      await writeFile(cacheFile, 'x');
      const broker = await startBroker({ env: { BLINK_COMPILE_CACHE: cacheFile, LOG_LEVEL: 'info' } });
      try {
        // The cache is written once the boot is over (after the "Blink ready" line): that write failing must not stop the broker.
        await readyLine(broker);
        const answer = await apiVersionsOnce(broker.kafkaPort, 41);
        assert.equal(answer.correlationId, 41);
        assert.equal(answer.errorCode, 0);
        assert.equal(broker.exited(), false, `the broker exited\n--- stderr ---\n${broker.stderr()}`);
        assert.equal(await broker.stop(), 0, `exit code after SIGTERM\n--- stderr ---\n${broker.stderr()}`);
        assert.equal(await readFile(cacheFile, 'utf8'), 'x', 'the regular file is left as it was');
      } finally {
        await broker.stop();
      }
    }, 'cache-file');
  });
});

/**
 * Writes `path`: a module for NODE_OPTIONS' --import, which runs before start.ts. It runs `setup`
 * (lines of JavaScript, imports included), keeps `atBind` (an expression) as `bound` when the
 * first server is listening (the Kafka listeners bind before the REST port), and `delayMs` after
 * that prints `report` (an expression) on a line of stdout. Returns the NODE_OPTIONS value. The
 * observer itself loads node:net only.
 */
interface BootObserver {
  readonly setup: string[];
  readonly atBind: string;
  readonly report: string;
  readonly delayMs?: number;
}

async function bootObserver(path: string, { setup, atBind, report, delayMs = 0 }: BootObserver): Promise<string> {
  const lines = [
    "import net from 'node:net';",
    ...setup,
    'let bound;',
    'const listen = net.Server.prototype.listen;',
    `const printReport = () => setTimeout(() => process.stdout.write(\`\${${report}}\\n\`), ${delayMs});`,
    `net.Server.prototype.listen = function (...args) { this.once('listening', () => { if (bound === undefined) { bound = ${atBind}; printReport(); } }); return listen.apply(this, args); };`,
    '',
  ];
  await writeFile(path, lines.join('\n'));
  return `--import ${path}`;
}

/**
 * Runs `fn` with the NODE_OPTIONS of a boot `observer` (bootObserver) written in a temporary
 * directory of its own (named after `name`; `fn` may keep other files there), removed after.
 */
async function withObservedBoot<T>(name: string, observer: BootObserver, fn: (nodeOptions: string, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => fn(await bootObserver(join(dir, `${name}.mjs`), observer), dir), name);
}

/** Starts a broker with `env`, returns the first match of `line` on its stdout (an observer's report), and stops it. */
async function observedLine(env: Record<string, string>, line: RegExp): Promise<string> {
  const broker = await startBroker({ env });
  try {
    return await waitFor("the observer's line", SIGTERM_EXIT_MS, async () => line.exec(broker.stdout())?.[0]);
  } finally {
    await broker.stop();
  }
}

describe('garbage collection during the boot', () => {
  // The start script's --initial-old-space-size lets the old generation reach the size of a
  // booted broker's heap before V8 starts its first full collection (mark-compact), so that
  // collection runs after the first ApiVersions is answered, not before it (it and its concurrent
  // marking took 25-35 ms of CPU from the boot: bench/README.md, boot12). A module NODE_OPTIONS
  // imports first notes the full collections (perf_hooks 'gc' entries, which set no V8 flag) and
  // when the first server (the Kafka listeners bind before the REST port) is listening, and after
  // the boot prints how many started before that. Boots with the code cache, as every boot but
  // the first after a build.
  test('a code-cached boot runs no full collection before its Kafka listeners are bound', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: [
        "import { PerformanceObserver, performance, constants } from 'node:perf_hooks';",
        'const majors = [];',
        "new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(e.startTime); }).observe({ entryTypes: ['gc'] });",
      ],
      atBind: 'performance.now()',
      report: '`BOOT-GC bound=${bound !== undefined} majorsBefore=${majors.filter((t) => t < bound).length}`',
      delayMs: 100,
    };
    await withObservedBoot('boot-gc', observer, async (nodeOptions, cacheDir) => {
      const env = { NODE_OPTIONS: nodeOptions, BLINK_COMPILE_CACHE: cacheDir, LOG_LEVEL: 'info' };
      // The first boot compiles the bundle and writes the code cache once it is ready.
      const first = await startBroker({ env });
      try {
        await waitFor('the code cache', SIGTERM_EXIT_MS, async () => ((await readdir(cacheDir)).some((name) => name.startsWith('broker') && name.endsWith('.v8')) ? true : undefined));
      } finally {
        await first.stop();
      }
      const line = await observedLine(env, /BOOT-GC .*/);
      assert.equal(line, 'BOOT-GC bound=true majorsBefore=0', `${line}: a full collection before the Kafka listeners bound: the boot's heap outgrew the start script's --initial-old-space-size`);
    });
  });
});

describe('allocation-site pretenuring', () => {
  // start.ts switches V8's allocation-site pretenuring off before the boot's first scavenge. With it
  // on, V8 counts at each scavenge how many of a literal's objects survived and allocates the
  // literals it finds long-lived in the old generation from then on; a boot's objects nearly all
  // survive, and a literal the boot shares with the request path took that verdict into the
  // requests, whose pretenured objects then held the young ones they point to until a mark-compact
  // (bench/README.md, lat16: old space +5.0 instead of +1.4 MiB over 10 s at 1,000 msg/s, then
  // mark-compacts at 10,000 msg/s). --trace-pretenuring-statistics prints every verdict V8 reaches: set by a
  // module NODE_OPTIONS imports first (V8 flags are not allowed in NODE_OPTIONS), with a code cache
  // directory of its own, as the flag changes the caches' flag hash. A boot with pretenuring on
  // reaches some twenty.
  test('V8 reaches no pretenuring verdict during the boot or the first requests', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withTempDir(async (cacheDir) => {
      const trace = join(cacheDir, 'trace-pretenuring.mjs');
      await writeFile(trace, "import { setFlagsFromString } from 'node:v8';\nsetFlagsFromString('--trace-pretenuring-statistics');\n");
      const broker = await startBroker({ env: { NODE_OPTIONS: `--import ${trace}`, BLINK_COMPILE_CACHE: cacheDir, LOG_LEVEL: 'info' } });
      try {
        await readyLine(broker);
        const connection = await RawConnection.open(broker.kafkaPort);
        try {
          // Enough requests for a few scavenges of their objects.
          for (let i = 0; i < 5_000; i++) {
            connection.write(apiVersionsRequest(0, i));
            assert.equal(parseApiVersionsV0(await connection.readFrame()).errorCode, 0);
          }
        } finally {
          connection.close();
        }
      } finally {
        await broker.stop();
      }
      const verdicts = broker.stdout().match(/pretenuring: AllocationSite.*/g) ?? [];
      assert.deepEqual(verdicts.slice(0, 5), [], `${verdicts.length} pretenuring verdicts: allocation-site pretenuring is on`);
    }, 'pretenuring');
  });
});

describe('built-in modules during the boot', () => {
  // node:crypto (19 modules with its internals) and node:zlib are reached only by SASL, delegation
  // tokens, group member ids, topic ids and compressed batches: the bundle loads them on first use
  // (tools/bundle.mjs, LAZY_BUILTINS), and nothing a boot runs may read them before the Kafka
  // listeners are bound (bench/README.md, boot14: ~6 ms of the first ApiVersions, ~3 MiB of idle
  // RSS). node:http is the REST face's, whose Fastify is built once the Kafka listeners are bound
  // (src/deferred-fastify-adapter.ts; bench/README.md, boot15). A module NODE_OPTIONS imports first
  // reads process.moduleLoadList when the first server (the Kafka listeners bind before the REST
  // port) is listening. It loads none of them itself. node:dns: a Kafka listener on an IP address
  // (the harness's 127.0.0.1, kafka_hostname's default 0.0.0.0) is bound without a look-up
  // (kafka-transport.ts, boundAtOnce: no node:dns, no IPv6 regular expression; bench/README.md, boot18).
  // node:worker_threads: pino read it when loaded (tools/bundle.mjs, pinoWithoutWorkerThreads).
  test('a boot loads neither node:crypto, node:zlib, node:http, node:dns nor node:worker_threads before its Kafka listeners are bound', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: ["const loaded = (name) => process.moduleLoadList.includes(`NativeModule ${name}`);"],
      atBind: "`crypto=${loaded('crypto')} zlib=${loaded('zlib')} http=${loaded('http')} dns=${loaded('dns')} worker_threads=${loaded('worker_threads')}`",
      report: '`BOOT-BUILTINS ${bound}`',
    };
    const line = await withObservedBoot('boot-builtins', observer, (nodeOptions) => observedLine({ NODE_OPTIONS: nodeOptions, LOG_LEVEL: 'info' }, /BOOT-BUILTINS .*/));
    assert.equal(line, 'BOOT-BUILTINS crypto=false zlib=false http=false dns=false worker_threads=false', `${line}: a built-in the bundle defers, or node:dns, was loaded before the Kafka listeners bound`);
  });
});

describe('functions named during the boot', () => {
  // esbuild's keepNames gives a bundled function its source name back with an Object.defineProperty
  // call (tools/bundle.mjs), once for a class or a function a module defines, when the module is
  // evaluated, but at every run of the enclosing function for a function made inside another:
  // tools/bundle-names.mjs drops those calls, and those for an anonymous function that a property or
  // a class field names anyway (6,568 names before the Kafka listeners bound, ~3,100 now). rxjs's
  // entry points required all of its ~280 modules when loaded (226 evaluated before the bind): each
  // of their getters requires its module on first read now (tools/bundle.mjs, lazyRxjsExports).
  // prom-client's process CPU metric requires @opentelemetry/api (44 modules) for exemplars, which
  // Blink does not enable: loaded on first use (LAZY_PACKAGES). bench/README.md, boot17.
  // A module NODE_OPTIONS imports first counts the names given to functions (classes aside) until the
  // first server is listening. A name given many times is a closure named at run time (on 1809e23:
  // `get` 692 times, Nest's `decorator` 454, `loadEnhancer` 344; a module-level function's name
  // comes a few times at most, a name several modules share). A module's function named at all is
  // a module evaluated: rxjs operators nothing uses, and @opentelemetry/api's, must not be (on
  // 1809e23 all eight were).
  const UNUSED = ['auditTime', 'bufferToggle', 'exhaustMap', 'pairwise', 'switchScan', 'windowToggle', 'createContextKey', 'isSpanContextValid'];
  test('no function is named over 20 times, and no module nothing uses is evaluated, before the Kafka listeners bind', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: [
        'const define = Object.defineProperty;',
        'const named = new Map();',
        `const unused = ${JSON.stringify(UNUSED)};`,
        "Object.defineProperty = function (target, key, descriptor) { if (key === 'name' && typeof target === 'function' && !/^class\\b/.test(Function.prototype.toString.call(target))) named.set(descriptor.value, (named.get(descriptor.value) ?? 0) + 1); return define(target, key, descriptor); };",
      ],
      atBind: "`top=${[...named].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, times]) => `${name}:${times}`).join(',')} evaluated=[${unused.filter((name) => named.has(name)).join(',')}]`",
      report: '`BOOT-NAMES ${bound}`',
    };
    const line = await withObservedBoot('boot-names', observer, (nodeOptions) => observedLine({ NODE_OPTIONS: nodeOptions, LOG_LEVEL: 'info' }, /BOOT-NAMES .*/));
    const counts = [...line.matchAll(/:(\d+)/g)].map((match) => Number(match[1]));
    assert.ok(counts.length > 0, `${line}: no function was named during the boot (did esbuild's keepNames go?)`);
    assert.ok(Math.max(...counts) <= 20, `${line}: functions made inside functions are named at run time again (tools/bundle-names.mjs)`);
    assert.match(line, / evaluated=\[\]$/, `${line}: modules the Kafka face does not use were evaluated during the boot`);
  });
});

describe('enhancer metadata read during the boot', () => {
  // Nest's scanner asks every provider and controller class, and each of its methods, for guards,
  // interceptors, exception filters and pipes; the Kafka face declares none, so the bundle skips
  // those walks for a key nothing ever stored (tools/bundle.mjs, nestScannerSkipsUnusedKeys:
  // 4,256 reads before the Kafka listeners bound on f52cab7, 488 with it: those of the
  // microservice's per-handler contexts). A module NODE_OPTIONS imports first wraps the
  // Reflect.getMetadata the bundle installs and counts reads of the four keys until the first
  // server is listening.
  const ENHANCER_KEYS = ['__guards__', '__interceptors__', '__exceptionFilters__', '__pipes__'];
  test('the scanner does not walk every method for enhancer keys nothing declares before the Kafka listeners bind', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: [
        'const define = Object.defineProperty;',
        `const keys = new Set(${JSON.stringify(ENHANCER_KEYS)});`,
        'let reads = 0;',
        "Object.defineProperty = function (target, key, descriptor) { if (target === Reflect && key === 'getMetadata' && typeof descriptor?.value === 'function') { const get = descriptor.value; descriptor = { ...descriptor, value: function getMetadata(metadataKey, ...rest) { if (keys.has(metadataKey)) reads++; return get.call(this, metadataKey, ...rest); } }; } return define(target, key, descriptor); };",
      ],
      atBind: 'reads',
      report: '`BOOT-ENHANCER-READS ${bound}`',
    };
    const line = await withObservedBoot('boot-enhancers', observer, (nodeOptions) => observedLine({ NODE_OPTIONS: nodeOptions, LOG_LEVEL: 'info' }, /BOOT-ENHANCER-READS .*/));
    const reads = Number(/BOOT-ENHANCER-READS (\d+)/.exec(line)?.[1]);
    assert.ok(reads > 0, `${line}: no enhancer key was read (did the observer miss the bundle's Reflect.getMetadata?)`);
    assert.ok(reads < 1_000, `${line}: the scanner walked every method of every class for enhancer keys nothing declares`);
  });
});

describe('compiling tiers during the boot', () => {
  // start.ts keeps V8's Sparkplug, Maglev and TurboFan off while the broker boots (the boot's code
  // runs once; compiling it only left the compilers' memory in an idle broker), and switches them
  // back on right before the Kafka listeners bind (blink-app.ts's blink:kafka-listen): V8 never
  // tiers up a function first counted hot under the hold (bench/tier-hold.mjs), so a request
  // answered under it could leave the connection's frame path interpreted for good.
  // --trace-opt logs each compile to stdout: set by a module NODE_OPTIONS imports first (V8 flags
  // are not allowed in NODE_OPTIONS; start.ts sees no tier flag there), with a code cache directory
  // of its own, as the flag changes the caches' flag hash. The same module prints KAFKA-LISTEN on
  // blink:kafka-listen (its handler runs before start.ts's, which it precedes).
  // V8 refuses a code cache taken under other flags, so the cache, taken at the ready line, is
  // taken with the tiers switched off for that one call: the second boot must read it and leave it
  // as it is (it rewrites a cache V8 refused).
  test('next to nothing is compiled above the interpreter before the Kafka listeners bind, requests after it are; the next boot uses the code cache as written', { timeout: TEST_TIMEOUT_MS }, async () => {
    await withTempDir(async (cacheDir) => {
      const traceOpt = join(cacheDir, 'trace-opt.mjs');
      await writeFile(traceOpt, "import { setFlagsFromString } from 'node:v8';\nsetFlagsFromString('--trace-opt');\nprocess.once('blink:kafka-listen', () => process.stdout.write('KAFKA-LISTEN\\n'));\n");
      const compiled = /^\[completed (?:compiling|optimizing) /m;
      const env = { NODE_OPTIONS: `--import ${traceOpt}`, BLINK_COMPILE_CACHE: cacheDir, LOG_LEVEL: 'info' };
      const codeCache = async (): Promise<{ name: string; mtimeMs: number; size: number }> => {
        const names = (await readdir(cacheDir)).filter((name) => name.startsWith('broker') && name.endsWith('.v8'));
        assert.equal(names.length, 1, `one code cache of the bundle in ${cacheDir}: ${names.join(', ')}`);
        const { mtimeMs, size } = await stat(join(cacheDir, names[0]!));
        return { name: names[0]!, mtimeMs, size };
      };
      const first = await startBroker({ env });
      try {
        await readyLine(first);
        // Node's loader may make one of its path helpers hot (under this --import) before start.ts's
        // first statement; the boot itself compiled some 60 functions before the hold.
        assert.ok(first.stdout().includes('KAFKA-LISTEN\n'), 'no blink:kafka-listen before the ready line');
        const boot = first.stdout().slice(0, first.stdout().indexOf('KAFKA-LISTEN\n'));
        const bootCompiles = boot.match(new RegExp(compiled.source, 'gm')) ?? [];
        assert.ok(bootCompiles.length <= 2, `${bootCompiles.length} compiles during the boot:\n${boot.split('\n').filter((line) => compiled.test(line)).join('\n')}`);
        const connection = await RawConnection.open(first.kafkaPort);
        try {
          // ApiVersions until the broker's request path is hot enough to be compiled (a few thousand).
          await waitFor('a compile after the boot', 20_000, async () => {
            for (let i = 0; i < 200; i++) {
              connection.write(apiVersionsRequest(0, i));
              await connection.readFrame();
            }
            return compiled.test(first.stdout().slice(first.stdout().indexOf('Blink ready'))) ? true : undefined;
          });
        } finally {
          connection.close();
        }
      } finally {
        await first.stop();
      }
      const written = await codeCache();
      const second = await startBroker({ env });
      try {
        await readyLine(second, 'the ready line of the second boot');
        // A refused cache is written again in the turn of the ready line: done once a request is answered.
        assert.equal((await apiVersionsOnce(second.kafkaPort, 7)).errorCode, 0);
        assert.deepEqual(await codeCache(), written, 'the second boot rewrote the code cache: V8 refused the one the first boot wrote');
      } finally {
        await second.stop();
      }
    }, 'tiers-cache');
  });

  // The tiers used to come back only after the ready line, some 90 ms after the Kafka port
  // answered (the REST face starts after it): a client connecting during a boot (a restart with
  // clients waiting) was answered under the hold. V8's own switches, read when the first server
  // (the Kafka listeners) is listening; --allow-natives-syntax changes the flag hash: a cache
  // directory of its own.
  test('the compiling tiers are on by the time the Kafka listeners are bound', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: [
        "import { setFlagsFromString } from 'node:v8';",
        "setFlagsFromString('--allow-natives-syntax');",
        "const tiers = new Function('return `sparkplug=${%IsSparkplugEnabled()} maglev=${%IsMaglevEnabled()} turbofan=${%IsTurbofanEnabled()}`');",
      ],
      atBind: 'tiers()',
      report: '`TIERS-AT-BIND ${bound}`',
    };
    const line = await withObservedBoot('tiers-at-bind', observer, (nodeOptions, cacheDir) =>
      observedLine({ NODE_OPTIONS: nodeOptions, BLINK_COMPILE_CACHE: cacheDir, LOG_LEVEL: 'info' }, /TIERS-AT-BIND .*/),
    );
    assert.equal(line, 'TIERS-AT-BIND sparkplug=true maglev=true turbofan=true', `${line}: the Kafka listeners were bound under the tiers' hold`);
  });
});

describe('shutdown', () => {
  // start.ts's listener to ready takes some 100-250 ms here (more on a busy machine): these land
  // while the bundle is evaluated, while Nest builds the application, and around the binding of
  // the ports. A signal there used to meet
  // Node's default action (death by the signal, exit 143). Not earlier: before start.ts runs
  // (Node's own start-up, ~60 ms on a quiet machine, over 150 ms on a busy one) no JavaScript can
  // handle a signal. So the clock starts when start.ts adds its SIGTERM listener: a module
  // NODE_OPTIONS imports first prints a line at that moment ('newListener', which changes nothing).
  for (const afterMs of [25, 75, 150]) {
    test(`a SIGTERM ${afterMs} ms after start.ts handles it, during the boot, exits 0`, { timeout: TEST_TIMEOUT_MS }, async () => {
      await withTempDir(async (dir) => {
        const observer = join(dir, 'sigterm-listener.mjs');
        await writeFile(
          observer,
          "import { writeSync } from 'node:fs';\nprocess.on('newListener', function added(event) { if (event === 'SIGTERM') { process.off('newListener', added); writeSync(2, 'SIGTERM-LISTENER\\n'); } });\n",
        );
        const result = await runBrokerToExit({
          env: { NODE_OPTIONS: `--import ${observer}` },
          signal: { name: 'SIGTERM', afterMs, afterStderr: /^SIGTERM-LISTENER$/m },
          timeoutMs: SIGTERM_EXIT_MS,
        });
        const context = describeRun('boot interrupted by SIGTERM', result);
        assert.match(result.stderr, /^SIGTERM-LISTENER$/m, context);
        assert.equal(result.timedOut, false, context);
        assert.equal(result.signal, null, context);
        assert.equal(result.code, 0, context);
      }, 'sigterm-boot');
    });
  }

  // The boot's last stretch: the application is built, the Kafka listeners are bound (clients are
  // answered), the REST face is still starting. A SIGTERM there closes the application under the
  // boot's feet: the REST face's start then fails on the closed Fastify instance ("already
  // listening"), and that failure used to end the process, exit 1 with "Blink failed to start",
  // cutting the drain short (bench/boot-stress.mjs --sigterm-within found it: 2 boots of 20). It
  // takes a close that lasts: a client with requests in flight. The module NODE_OPTIONS imports
  // first is that client: the moment the first server (the Kafka listeners, bound before the REST
  // port) listens, it connects, pipelines 100,000 ApiVersions, stops reading at the first answer,
  // and sends the SIGTERM.
  test('a SIGTERM once the Kafka listeners are bound, a client with requests in flight, the REST face starting: exit 0', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = {
      setup: [
        'const API_VERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]);',
        'function termWithClientInFlight(server) {',
        "  const client = net.connect(server.address().port, '127.0.0.1');",
        "  client.once('connect', () => client.write(Buffer.concat(Array(100_000).fill(API_VERSIONS_V0))));",
        "  client.once('data', () => { client.pause(); process.kill(process.pid, 'SIGTERM'); });",
        '  return true;',
        '}',
      ],
      atBind: 'termWithClientInFlight(this)',
      report: "'CLIENT-CONNECTED'",
    };
    const result = await withObservedBoot('term-at-bind', observer, (nodeOptions, dir) =>
      runBrokerToExit({ env: { NODE_OPTIONS: nodeOptions, BLINK_COMPILE_CACHE: dir }, timeoutMs: SIGTERM_EXIT_MS }),
    );
    const context = describeRun('SIGTERM at the Kafka bind', result);
    assert.equal(result.timedOut, false, context);
    assert.equal(result.signal, null, context);
    assert.doesNotMatch(result.stderr, /failed to start/, context);
    assert.equal(result.code, 0, context);
  });

  // `blink embedded` (cli.ts) used to install its SIGTERM handler once startBlink had resolved: a
  // SIGTERM during its start met Node's default action (death by the signal). Now the signal calls
  // the start off (embed.ts: the Kafka listeners closed, the REST face never started, the
  // temporary directory removed) and the command exits 0. The module NODE_OPTIONS imports first
  // sends it the moment the Kafka listener binds; TMPDIR is the observer's directory, so the
  // broker's temporary directory is there to look for.
  test('blink embedded: a SIGTERM as its Kafka listener binds, the start not over, exits 0 and leaves no temporary directory', { timeout: TEST_TIMEOUT_MS }, async () => {
    const observer: BootObserver = { setup: [], atBind: "process.kill(process.pid, 'SIGTERM')", report: "'SIGTERM-SENT'" };
    await withObservedBoot('embedded-term', observer, async (nodeOptions, dir) => {
      const result = await run(NODE_BIN, [join(REPO_ROOT, 'dist/cli.js'), 'embedded'], { env: { NODE_OPTIONS: nodeOptions, TMPDIR: dir }, timeoutMs: SIGTERM_EXIT_MS });
      const context = describeRun('blink embedded, SIGTERM at the Kafka bind', result);
      assert.equal(result.timedOut, false, context);
      assert.equal(result.signal, null, context);
      assert.equal(result.code, 0, context);
      assert.doesNotMatch(result.stdout, /bootstrap/, `the start was called off: no address printed\n${context}`);
      assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('blink-')), [], 'the broker\'s temporary directory is removed');
    });
  });

  // The last resort behind the 10 s deadline (main.ts): a main thread that cannot run even the
  // deadline's timer. Node's inspector stops it for good: a breakpoint on process.exit, which
  // the shutdown calls once the application is closed, pauses the main thread until a
  // debugger resumes it (none does). The watchdog thread, started by the signal handler before
  // that, kills the process 1 s after the deadline.
  test('SIGTERM to a broker whose main thread then stops: the watchdog thread kills it 1 s after the 10 s deadline', { timeout: TEST_TIMEOUT_MS }, async () => {
    const broker = await startBroker({ env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' } });
    let inspector: WebSocket | undefined;
    try {
      const url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(broker.stderr())?.[0];
      assert.ok(url !== undefined, `the inspector's address on stderr\n${broker.stderr()}`);
      inspector = await openInspector(url);
      const exitFunction = (await inspect(inspector, 'Runtime.evaluate', { expression: 'process.exit' })) as { result: { objectId: string } };
      await inspect(inspector, 'Debugger.enable', {});
      await inspect(inspector, 'Debugger.setBreakpointOnFunctionCall', { objectId: exitFunction.result.objectId });
      const paused = new Promise<void>((resolve) => inspector!.addEventListener('message', (event) => {
        if ((JSON.parse(String(event.data)) as { method?: string }).method === 'Debugger.paused') resolve();
      }));
      const started = Date.now();
      process.kill(broker.pid, 'SIGTERM');
      await withTimeout(paused, SIGTERM_EXIT_MS, 'the main thread paused in process.exit');
      await waitFor('broker exit', SIGTERM_EXIT_MS + 5_000, async () => (broker.exited() ? true : undefined));
      const elapsed = Date.now() - started;
      assert.equal(broker.exitSignal(), 'SIGKILL', `killed by the watchdog\n--- stderr ---\n${broker.stderr()}`);
      assert.ok(elapsed >= SIGTERM_EXIT_MS, `killed ${elapsed} ms after SIGTERM: not before the deadline`);
    } finally {
      inspector?.close();
      await broker.stop();
    }
  });

  // A second SIGTERM during the shutdown (a supervisor repeating itself, a test runner, bench/boot-stress.mjs
  // signalling a boot whose SIGTERM it sent as it went ready) used to meet Node's default action, the
  // first one's handler being gone: death by the signal, the drain cut short. The drain here lasts: a
  // client has 100,000 ApiVersions pipelined and reads none of the answers (the close waits up to its
  // 5 s grace for the connection to go idle).
  test('a second SIGTERM during the shutdown changes nothing: exit 0', { timeout: TEST_TIMEOUT_MS }, async () => {
    const broker = await startBroker({ env: { LOG_LEVEL: 'info' } });
    const client = net.connect(broker.kafkaPort, '127.0.0.1');
    try {
      await once(client, 'connect');
      client.write(Buffer.concat(Array<Buffer>(100_000).fill(apiVersionsRequest(0, 1))));
      await once(client, 'data');
      client.pause();
      process.kill(broker.pid, 'SIGTERM');
      await waitFor('the shutdown to start', SIGTERM_EXIT_MS, async () => (broker.stdout().includes('SIGTERM received: shutting down') ? true : undefined));
      assert.equal(broker.exited(), false, 'still draining');
      process.kill(broker.pid, 'SIGTERM');
      await waitFor('broker exit', SIGTERM_EXIT_MS, async () => (broker.exited() ? true : undefined));
      assert.equal(broker.exitSignal(), null, `not killed by the second SIGTERM\n--- stderr ---\n${broker.stderr()}`);
      assert.equal(await broker.stop(), 0, `exit code\n--- stderr ---\n${broker.stderr()}`);
    } finally {
      client.destroy();
      await broker.stop();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} answers a parked fetch, then exits 0 within 10 s`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const broker = await startBroker();
      const client = await RawConnection.open(broker.kafkaPort).catch(async (error: Error) => {
        await broker.stop();
        throw error;
      });
      try {
        const topic = uniqueTopic('shutdown');
        assert.equal((await rawCreateTopic(broker.kafkaPort, topic, 1)).errorCode, 0);
        // A fetch on an empty partition that would otherwise park for 30 s.
        const correlationId = 0x5167;
        client.write(fetchRequestV4(correlationId, {
          maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20,
          partitions: [{ topic, partition: 0, offset: 0, partitionMaxBytes: 1 << 20 }],
        }));
        await waitForParkedFetches(broker.restUrl, 1);
        assert.equal(client.bufferedBytes, 0, 'the fetch is parked, not answered yet');
        const started = Date.now();
        process.kill(broker.pid, signal);
        const answer = parseFetchV4Response(await client.readFrame(SIGTERM_EXIT_MS));
        assert.equal(answer.correlationId, correlationId, 'the parked fetch is answered before the connection closes');
        assert.deepEqual(answer.partitions.map((p) => [p.errorCode, p.batches.length]), [[0, 0]]);
        await waitFor('broker exit', SIGTERM_EXIT_MS, async () => (broker.exited() ? true : undefined));
        assert.equal(await broker.stop(), 0, `exit code after ${signal}\n--- stderr ---\n${broker.stderr()}`);
        assert.ok(Date.now() - started < SIGTERM_EXIT_MS, `exited after ${Date.now() - started} ms`);
      } finally {
        client.close();
        await broker.stop();
      }
    });
  }
});

/** A DevTools-protocol session with the broker's inspector at `url`. */
async function openInspector(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`no inspector session at ${url}`)), { once: true });
  }), 5_000, 'the inspector session');
  return socket;
}

let inspectorRequests = 0;
/** Sends one DevTools-protocol request and resolves with its result (an error answer rejects). */
function inspect(socket: WebSocket, method: string, params: object): Promise<unknown> {
  const id = ++inspectorRequests;
  const answer = new Promise<unknown>((resolve, reject) => {
    const onMessage = (event: MessageEvent): void => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id !== id) return;
      socket.removeEventListener('message', onMessage);
      if (message.error !== undefined) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result);
    };
    socket.addEventListener('message', onMessage);
  });
  socket.send(JSON.stringify({ id, method, params }));
  return withTimeout(answer, 5_000, method);
}
