#!/usr/bin/env node
/**
 * The `blink` command: with no command (or only --settings FILE) it starts the broker, as
 * `npm start` does, and `blink embedded ...` starts a throwaway broker for test suites
 * (both in dist/cli.js; docs/TESTING.md); `blink uplink ...` talks to a running broker's
 * REST admin API about its uplink to a Kafka cluster (docs/UPLINK.md):
 *
 *   blink uplink status                 the uplink's state, lag, stuck partitions, cut-over
 *   blink uplink cutover [--wait 60s]   close produce on the mirrored topics, drain, sync
 *                                       group offsets; exit 0 once "ready to switch",
 *                                       2 while still draining after --wait (run it again)
 *   blink uplink abort                  open produce again (abandon the cut-over)
 *
 * Options: --url URL (default $BLINK_URL or http://127.0.0.1:30004), --token TOKEN or
 * --token-file FILE (default $ADMIN_TOKEN: the broker's admin_token), --json (print the
 * answer as it came). Exit codes: 0 done, 2 not ready yet, 1 failed.
 */
import { readFileSync } from 'node:fs';

const USAGE = 'usage: blink [--settings FILE] | blink embedded [--settings FILE] [--set key=value]... | blink uplink status|cutover|abort [--wait 60s] [--url URL] [--token TOKEN | --token-file FILE] [--json]';
const DEFAULT_URL = 'http://127.0.0.1:30004';
const DEFAULT_WAIT_MS = 30_000;
/** The HTTP answer may take the whole wait; this much more is allowed for the rest. */
const HTTP_MARGIN_MS = 30_000;
const EXIT = { done: 0, failed: 1, notReady: 2 };

const argv = process.argv.slice(2);
if (argv[0] !== 'uplink') {
  await import(new URL('../dist/cli.js', import.meta.url).href);
} else {
  process.exitCode = await uplink(argv.slice(1)).catch((error) => {
    const cause = error.cause === undefined ? '' : ` (${error.cause.code ?? error.cause.message})`;
    process.stderr.write(`blink uplink: ${error.message}${cause}\n`);
    return EXIT.failed;
  });
}

function parseOptions(args) {
  const options = { command: args[0], url: process.env.BLINK_URL ?? DEFAULT_URL, token: process.env.ADMIN_TOKEN || null, waitMs: DEFAULT_WAIT_MS, json: false };
  for (let i = 1; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => inline ?? args[++i] ?? fail(`${name} needs a value`);
    if (name === '--url') options.url = value();
    else if (name === '--token') options.token = value();
    else if (name === '--token-file') options.token = readFileSync(value(), 'utf8').trim();
    else if (name === '--wait') options.waitMs = duration(value());
    else if (name === '--json') options.json = true;
    else fail(`unknown option ${args[i]}`);
  }
  if (!['status', 'cutover', 'abort'].includes(options.command)) fail(USAGE);
  return options;
}

function fail(message) {
  throw new Error(message);
}

/** "90s", "2m", "500ms" or plain milliseconds. */
function duration(text) {
  const match = /^(\d+)(ms|s|m)?$/.exec(text.trim());
  if (match === null) fail(`--wait ${text} is not a duration (examples: 30s, 2m)`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 'ms'];
}

async function uplink(args) {
  const options = parseOptions(args);
  const route = { status: ['GET', '/api/v1/uplink'], cutover: ['POST', '/api/v1/uplink/cutover'], abort: ['DELETE', '/api/v1/uplink/cutover'] }[options.command];
  const response = await fetch(new URL(route[1], options.url), {
    method: route[0],
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.command === 'cutover' ? { 'content-type': 'application/json' } : {}) },
    body: options.command === 'cutover' ? JSON.stringify({ waitMs: options.waitMs }) : undefined,
    signal: AbortSignal.timeout(options.waitMs + HTTP_MARGIN_MS),
  });
  const body = await response.json().catch(() => ({ message: `HTTP ${response.status} without a JSON body` }));
  if (!response.ok) fail(`${route[0]} ${route[1]}: HTTP ${response.status}: ${body.message ?? JSON.stringify(body)}`);
  process.stdout.write(options.json ? `${JSON.stringify(body, null, 2)}\n` : describe(body));
  if (options.command !== 'cutover') return EXIT.done;
  return body.cutover.state === 'ready' ? EXIT.done : EXIT.notReady;
}

function describe(status) {
  const lines = [
    `uplink: ${status.state} → ${status.bootstrapServers.join(',')}${status.remoteClusterId ? ` (cluster ${status.remoteClusterId})` : ''}`,
    `  ${status.partitions} partitions of ${status.topics} topics, lag ${status.lagRecords} offsets (${status.lagSeconds.toFixed(1)} s), ${status.groups.pending.length} group(s) pending`,
  ];
  if (status.lastRemoteError) lines.push(`  last remote error: ${status.lastRemoteError}`);
  for (const stuck of status.stuck) lines.push(`  stuck: ${stuck.topic}-${stuck.partition} (${stuck.status}): ${stuck.lastError}`);
  const cutover = status.cutover;
  if (cutover.state === 'ready') lines.push(`ready to switch: point bootstrap.servers at ${status.bootstrapServers.join(',')}`);
  else if (cutover.state === 'draining') lines.push(`cut-over: produce closed, draining: waiting for ${cutover.waitingFor.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
