/**
 * Shared pieces of the REST admin e2e tests (admin-rest*.test.ts): an HTTP helper that
 * returns status, headers and parsed body, the seed README's curl commands run through a
 * shell exactly as written (only the port changes), kcat runs, and a parser of the
 * Prometheus text exposition format.
 */
import assert from 'node:assert/strict';

import { describeRun, run, type BrokerHandle } from './harness.js';

export const HTTP_TIMEOUT_MS = 10_000;
export const KCAT_TIMEOUT_MS = 30_000;
/** The port the seed README's examples use; the tests substitute the broker's own. */
export const SEED_REST_PORT = 30004;

export interface RestAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body when it is JSON, else undefined. */
  readonly json: T;
}

export interface RestOptions {
  /** Sent as JSON (content-type application/json). */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded, as curl -d does. */
  form?: Record<string, string>;
  /** Sent as is (with the content-type given in headers). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export async function rest<T = any>(broker: BrokerHandle, method: string, path: string, options: RestOptions = {}): Promise<RestAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  const response = await fetch(`${broker.restUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  const text = await response.text();
  let json: unknown;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) json = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, json: json as T };
}

/** Asserts the status, with the body in the failure message. */
export function expectStatus(answer: RestAnswer, status: number, label: string): void {
  assert.equal(answer.status, status, `${label}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 2000)}`);
}

/** A JSON error answer: the status, and a message matching `message`. */
export function expectError(answer: RestAnswer, status: number, message: RegExp, label: string): void {
  expectStatus(answer, status, label);
  const body = answer.json as { statusCode?: unknown; error?: unknown; message?: unknown };
  assert.equal(body?.statusCode, status, `${label}: JSON error body with statusCode: ${answer.text}`);
  assert.equal(typeof body.error, 'string', `${label}: error name`);
  assert.match(String(body.message), message, `${label}: message`);
}

/**
 * Runs one of the seed README's curl command lines through /bin/sh exactly as written
 * (unquoted `&` included: the shell backgrounds curl and the rest becomes a variable
 * assignment, so e.g. `curl http://localhost:30004/fetch?topic=test&offset=0` asks for
 * topic=test only), with the seed's port replaced by the broker's.
 */
export async function curlAsWritten(broker: BrokerHandle, commandLine: string): Promise<string> {
  assert.ok(commandLine.includes(`localhost:${SEED_REST_PORT}`), commandLine);
  const command = commandLine.replaceAll(`localhost:${SEED_REST_PORT}`, `localhost:${broker.restPort}`);
  const result = await run('/bin/sh', ['-c', command], { timeoutMs: HTTP_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(command, result));
  return result.stdout;
}

export interface KcatMessage {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
  ts?: number;
}

/** Every message of one partition, from the beginning to the end, as kcat -J prints them. */
export async function kcatConsume(broker: BrokerHandle, topic: string, partition = 0): Promise<KcatMessage[]> {
  const args = ['-C', '-b', broker.bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-J'];
  const result = await run('kcat', args, { timeoutMs: KCAT_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(`kcat consume ${topic}`, result));
  return result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as KcatMessage);
}

/**
 * Produces "key:value" lines with kcat to partition 0; returns kcat's delivery offsets. The lines
 * leave as one batch whatever the timing: librdkafka sends when batch.num.messages are queued,
 * and the linger is longer than any run (`extra` can override both).
 */
export async function kcatProduce(broker: BrokerHandle, topic: string, lines: readonly string[], extra: readonly string[] = []): Promise<number[]> {
  const oneBatch = ['-X', `batch.num.messages=${lines.length}`, '-X', 'linger.ms=10000'];
  const args = ['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-K', ':', ...oneBatch, ...extra, '-v', '-v'];
  const result = await run('kcat', args, { input: lines.map((l) => `${l}\n`).join(''), timeoutMs: KCAT_TIMEOUT_MS });
  assert.equal(result.code, 0, describeRun(`kcat produce ${topic}`, result));
  return [...result.stderr.matchAll(/Message delivered to partition \d+ \(offset (-?\d+)\)/g)].map((m) => Number(m[1]));
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format (0.0.4): TYPE lines and samples. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    assert.ok(match !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { types, samples };
}

export async function scrape(broker: BrokerHandle): Promise<Exposition> {
  const answer = await rest(broker, 'GET', '/prometheus');
  expectStatus(answer, 200, 'GET /prometheus');
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/);
  return parseExposition(answer.text);
}

/** The samples of `name` (exactly that name). */
export function series(exposition: Exposition, name: string): Sample[] {
  return exposition.samples.filter((s) => s.name === name);
}

/** Sum of every sample of `name` (over its labels). */
export function total(exposition: Exposition, name: string): number {
  return series(exposition, name).reduce((sum, s) => sum + s.value, 0);
}
