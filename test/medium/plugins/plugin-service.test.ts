/**
 * The plugin service with its real parts: the example and test components built by
 * `npm run build:plugins` (plugins/build/), jco-transpile in a compile worker, one worker
 * thread per plugin. No broker and no sockets: batches go straight to `filter()`.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Logger, type LoggerService } from '@nestjs/common';
import { crc32c } from '@node-rs/crc32';
import { Counter, Gauge, Histogram } from 'prom-client';
import { loadSettings } from '../../../src/config/settings.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { parseRecords } from '../../../src/record-format/records.js';
import { PluginProbe } from '../../../src/plugins/plugin.probe.js';
import { PluginFiles } from '../../../src/plugins/plugin-files.js';
import { PluginService, type PluginFilterResult } from '../../../src/plugins/plugin.service.js';
import { WasmRuntime } from '../../../src/plugins/wasm-runtime.js';
import { buildBatch, type TestRecord } from '../../support/batch-builder.js';
import { compressBatch, decompressedRecords } from '../../support/compressed-batch.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const BUILT = join(REPO_ROOT, 'plugins/build');
const plugin = (name: string): string => join(BUILT, `${name}.wasm`);
const text = (value: string): Buffer => Buffer.from(value);

/** Log lines by context, e.g. "plugin:content-filter". */
const logged: Array<{ level: string; context: string; message: string }> = [];
const capture = (level: string) => (message: unknown, context?: unknown) => {
  logged.push({ level, context: String(context), message: String(message) });
};
const captureLogger: LoggerService = { log: capture('log'), error: capture('error'), warn: capture('warn'), debug: capture('debug'), verbose: capture('verbose') };

function probe(): PluginProbe {
  const labels = (names: string[]) => ({ labelNames: names, registers: [] });
  const counter = (name: string, names = ['plugin']) => new Counter({ name, help: name, ...labels(names) });
  return new PluginProbe(
    counter('calls'),
    counter('records'),
    counter('rejected'),
    counter('dropped'),
    counter('rewritten'),
    counter('errors', ['plugin', 'kind']),
    counter('timeouts'),
    counter('restarts', ['plugin', 'result']),
    counter('reloads', ['plugin', 'result']),
    new Histogram({ name: 'duration', help: 'd', ...labels(['plugin']) }),
    new Gauge({ name: 'up', help: 'u', ...labels(['plugin']) }),
  );
}

/** Reads plugin files but does not watch them: these tests call reload() themselves (the e2e tests cover watching). */
class UnwatchedFiles extends PluginFiles {
  override watch(): () => void {
    return () => undefined;
  }
}

/** Tests that are not about deadlines must not trip one on a loaded 2-core machine. */
const GENEROUS_TIMEOUT = '5s';

async function startService(paths: string[], env: Record<string, string> = {}): Promise<PluginService> {
  // No settings file: only the defaults and these variables (plugin paths are absolute).
  const config = loadSettings({ argv: [], env: { PLUGIN_PATHS: paths.join(','), PLUGIN_TIMEOUT: GENEROUS_TIMEOUT, ...env }, cwd: '/nonexistent-dir-for-tests' });
  const service = new PluginService(config, new WasmRuntime(), new UnwatchedFiles(), probe());
  await service.onModuleInit();
  return service;
}

function storedBatch(result: PluginFilterResult): Buffer {
  assert.equal(result.kind, 'store', `expected the batch to be stored, got ${JSON.stringify(result)}`);
  return (result as { batch: Buffer }).batch;
}

function values(batch: Buffer): Array<string | null> {
  return parseRecords(decompressedRecords(batch), batch.readInt32BE(57)).map((r) => (r.value === null ? null : Buffer.from(r.value).toString('latin1')));
}

async function eventually(label: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${label}: not reached within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(() => Logger.overrideLogger(captureLogger));
after(() => Logger.overrideLogger(new Logger()));

describe('PluginService, reject-batch mode (content-filter, key-enforcer)', () => {
  let service: PluginService;
  before(async () => {
    service = await startService([plugin('content-filter'), plugin('key-enforcer')]);
  });
  after(() => service.onApplicationShutdown());

  it('loads both in order, logs their init and routes their log lines under their names', async () => {
    assert.deepEqual(service.list().map((p) => [p.name, p.world, p.status]), [
      ['content-filter', 'record-plugin', 'running'],
      ['key-enforcer', 'record-plugin', 'running'],
    ]);
    await eventually('init\'s log line', () => logged.some((l) => l.context === 'plugin:content-filter' && l.message === 'content-filter ready'));
    assert.ok(logged.some((l) => l.context === 'plugin:key-enforcer' && /init\(\) returned none/.test(l.message)));
  });

  it('stores a clean batch as produced (the same bytes)', async () => {
    const batch = buildBatch([{ key: text('k'), value: text('hello') }, { key: text('k2'), value: text('world') }]);
    const result = await service.filter('sensitive.orders', 0, batch);
    assert.equal(storedBatch(result), batch);
  });

  it('refuses the batch with INVALID_RECORD, naming each refused record and the plugin that refused it', async () => {
    const records: TestRecord[] = [
      { key: text('a'), value: text('fine') },
      { key: text('b'), value: text('my password is hunter2') },
      { key: text('c'), value: text('fine too') },
      { key: null, value: text('no key here') },
      { key: text('e'), value: text('SSN: 000-00-0000') },
    ];
    const result = await service.filter('sensitive.accounts', 3, buildBatch(records));
    assert.equal(result.kind, 'refused');
    if (result.kind !== 'refused') return;
    assert.equal(result.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(result.recordErrors, [
      { batchIndex: 1, message: 'refused by plugin content-filter' },
      { batchIndex: 3, message: 'refused by plugin key-enforcer' },
      { batchIndex: 4, message: 'refused by plugin content-filter' },
    ]);
    assert.match(result.errorMessage, /^3 of 5 records refused: record 1 refused by plugin content-filter; record 3 refused by plugin key-enforcer/);
    // Plugin log lines travel as messages, after the call's answer.
    await eventually('the plugin\'s warning', () => logged.some((l) => l.level === 'warn' && l.message === 'refused a record on topic sensitive.accounts'));
    const counters = Object.fromEntries(service.list().map((p) => [p.name, p.counters]));
    assert.equal(counters['content-filter'].rejected, 2);
    assert.equal(counters['key-enforcer'].rejected, 1);
    assert.equal(counters['key-enforcer'].records, 2 + 3, 'the enforcer saw only the records the filter kept');
  });

  it('refuses, on the plugin\'s behalf, a record whose value is not UTF-8 (a record-plugin sees text only)', async () => {
    const result = await service.filter('orders', 0, buildBatch([{ key: text('k'), value: Buffer.from([0x7b, 0xff, 0xfe]) }]));
    assert.equal(result.kind, 'refused');
    if (result.kind !== 'refused') return;
    assert.deepEqual(result.recordErrors, [{ batchIndex: 0, message: 'refused by plugin content-filter (its key or value is not UTF-8, which a record-plugin cannot see)' }]);
  });

  it('passes a null value (tombstone) as "" and a null key as none', async () => {
    const result = await service.filter('orders', 0, buildBatch([{ key: null, value: null }]));
    assert.equal(result.kind, 'store');
  });
});

describe('PluginService, drop-record mode (json-envelope, a record-transformer)', () => {
  let service: PluginService;
  before(async () => {
    service = await startService([plugin('json-envelope')], { PLUGIN_REJECT_MODE: 'drop-record' });
  });
  after(() => service.onApplicationShutdown());

  for (const codec of ['none', 'gzip', 'snappy', 'snappy-xerial', 'lz4', 'zstd'] as const) {
    it(`${codec}: wraps JSON values, drops the rest, keeps the codec and the offsets of the records left`, async () => {
      const produced = compressBatch(
        buildBatch(
          [
            { key: text('a'), value: text('{"n":1}'), timestampDelta: 1 },
            { key: text('b'), value: text('not json'), timestampDelta: 9 },
            { key: text('c'), value: text('{"n":3}'), timestampDelta: 2 },
            { key: text('d'), value: null, timestampDelta: 3 },
          ],
          { producerId: 7, producerEpoch: 0, baseSequence: 40 },
        ),
        codec,
      );
      const stored = storedBatch(await service.filter('events', 0, produced));
      assert.equal(stored.readInt16BE(21) & 7, produced.readInt16BE(21) & 7, 'same codec');
      assert.equal(stored.readUInt32BE(17), crc32c(stored.subarray(21)) >>> 0, 'valid CRC-32C');
      assert.equal(stored.readInt32BE(57), 3);
      assert.equal(stored.readInt32BE(23), 3, 'lastOffsetDelta as produced');
      assert.equal(stored.readInt32BE(53), 40, 'base sequence as produced');
      assert.equal(stored.readBigInt64BE(35) - stored.readBigInt64BE(27), 3n, 'max timestamp of the records left');
      const left = parseRecords(decompressedRecords(stored), 3);
      assert.deepEqual(left.map((r) => r.offsetDelta), [0, 2, 3]);
      assert.deepEqual(values(stored), ['{"envelope":"blink","payload":{"n":1}}', '{"envelope":"blink","payload":{"n":3}}', null]);
      assert.deepEqual(left.map((r) => r.headers.map((h) => Buffer.from(h.key).toString())), [['x-blink-envelope'], ['x-blink-envelope'], []]);
    });
  }

  it('passes bytes that are not UTF-8 to a record-transformer as they are', async () => {
    const binary = Buffer.from([0x7b, 0xff, 0x00, 0xfe]);
    const stored = storedBatch(await service.filter('events', 0, buildBatch([{ value: binary }])));
    assert.deepEqual(Buffer.from(values(stored)[0]!, 'latin1'), Buffer.concat([text('{"envelope":"blink","payload":'), binary, text('}')]));
  });

  it('stores nothing when every record is dropped', async () => {
    assert.deepEqual(await service.filter('events', 0, buildBatch([{ value: text('a') }, { value: text('b') }])), { kind: 'all-dropped' });
  });

  it('counts dropped and rewritten records', () => {
    const [envelope] = service.list();
    assert.equal(envelope.counters.dropped, 6 + 2);
    assert.equal(envelope.counters.rewritten, 12 + 1);
    assert.equal(envelope.counters.rejected, 0);
  });
});

describe('PluginService sandbox', () => {
  it('stops a looping plugin at plugin_timeout, refuses its batch, restarts it and serves the next batch', async () => {
    const service = await startService([plugin('loop')], { PLUGIN_TIMEOUT: '250ms' });
    try {
      const started = Date.now();
      const result = await service.filter('t', 0, buildBatch([{ value: text('ok') }, { value: text('LOOP forever') }]));
      assert.equal(result.kind, 'refused');
      if (result.kind === 'refused') {
        assert.equal(result.errorCode, ErrorCode.INVALID_RECORD);
        assert.match(result.errorMessage, /plugin loop failed on this batch and was restarted: it did not answer within plugin_timeout \(250 ms\)/);
      }
      assert.ok(Date.now() - started < 5_000);
      assert.equal(storedBatch(await service.filter('t', 0, buildBatch([{ value: text('fine') }]))).length > 0, true);
      await eventually('restart counted', () => service.list()[0].counters.restarts === 1);
      assert.equal(service.list()[0].counters.timeouts, 1);
      assert.equal(service.list()[0].status, 'running');
    } finally {
      await service.onApplicationShutdown();
    }
  });

  it('contains a plugin that eats memory at plugin_max_memory, and restarts it', async () => {
    const service = await startService([plugin('hungry')], { PLUGIN_TIMEOUT: '5s', PLUGIN_MAX_MEMORY: '16MB' });
    try {
      const result = await service.filter('t', 0, buildBatch([{ value: text('HUNGRY') }]));
      assert.equal(result.kind, 'refused');
      if (result.kind === 'refused') assert.match(result.errorMessage, /it ran out of memory: RuntimeError: unreachable \(memory 1[56]\.\d MiB of its 16\.0 MiB cap\)/);
      assert.equal(storedBatch(await service.filter('t', 0, buildBatch([{ value: text('fine') }]))).length > 0, true);
    } finally {
      await service.onApplicationShutdown();
    }
  });

  it('refuses at boot a component that imports the file system, naming the file and the import (and stops the plugins already started)', async () => {
    await assert.rejects(
      startService([plugin('content-filter'), plugin('fs-import')]),
      /plugin .*fs-import\.wasm refused: it imports wasi:filesystem\/preopens@0\.2\.0: plugins get no file system, sockets or HTTP/,
    );
  });

  it('refuses at boot a file that is not a component', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blink-plugin-'));
    try {
      await writeFile(join(dir, 'junk.wasm'), 'not wasm');
      await assert.rejects(startService([join(dir, 'junk.wasm')]), /junk\.wasm refused: it is not a WebAssembly component/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads a component that imports allowed WASI (wasi:random) and gives it a working shim', async () => {
    const service = await startService([plugin('wasi-random')]);
    try {
      assert.equal(service.list()[0].initResult, 1, 'init() drew a random number and returned some(1)');
      assert.equal((await service.filter('t', 0, buildBatch([{ value: text('x') }]))).kind, 'store');
    } finally {
      await service.onApplicationShutdown();
    }
  });
});

describe('PluginService reload', () => {
  let dir: string;
  let service: PluginService;
  const sensitiveKeyless = () => buildBatch([{ key: null, value: text('plain') }]);
  const secret = () => buildBatch([{ key: text('k'), value: text('password') }]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blink-plugin-'));
    await copyFile(plugin('key-enforcer'), join(dir, 'policy.wasm'));
    service = await startService([join(dir, 'policy.wasm')]);
  });
  after(async () => {
    await service.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the running version with a new file, changing behaviour without a restart', async () => {
    assert.equal((await service.filter('sensitive.x', 0, sensitiveKeyless())).kind, 'refused');
    assert.equal((await service.filter('sensitive.x', 0, secret())).kind, 'store');
    await copyFile(plugin('content-filter'), join(dir, 'policy.wasm'));
    const reloaded = await service.reload('policy');
    assert.equal(reloaded.outcome, 'reloaded');
    assert.equal((await service.filter('sensitive.x', 0, sensitiveKeyless())).kind, 'store');
    assert.equal((await service.filter('sensitive.x', 0, secret())).kind, 'refused');
    assert.equal((await service.reload('policy')).outcome, 'unchanged');
  });

  it('refuses a broken new version and keeps the running one', async () => {
    const before = service.list()[0].sha256;
    await copyFile(plugin('fs-import'), join(dir, 'policy.wasm'));
    const result = await service.reload('policy');
    assert.equal(result.outcome, 'refused');
    if (result.outcome === 'refused') assert.match(result.reason, /wasi:filesystem/);
    assert.equal(service.list()[0].sha256, before);
    assert.equal(service.list()[0].counters.reloadsRefused, 1);
    assert.equal((await service.filter('sensitive.x', 0, secret())).kind, 'refused', 'the content filter still runs');
    assert.ok(logged.some((l) => l.level === 'error' && /new version of .*policy\.wasm refused .* the running version stays/.test(l.message)));
  });

  it('answers an unknown plugin name with PluginNotFoundError', async () => {
    await assert.rejects(service.reload('nope'), { name: 'PluginNotFoundError' });
  });
});
