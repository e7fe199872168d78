#!/usr/bin/env node
// REST produce validation time: `npm run bench:rest-validation [-- --baseline DIR] [-- --reps N]`
// (`node --expose-gc bench/rest-validation.mjs ...`).
//
// Validates the largest REST produce body the broker accepts (1,000 records with key, value and
// timestamp, and as many headers as the JSON shape bounds let through: ~18,000) the way the
// produce route does, in this process, and prints the median, min and max over the repetitions
// (after warm-up runs), in wall-clock time (what the event loop is held for) and in this process's
// CPU time (steadier on a loaded machine). This checkout's validator is admin/dto/produce-body.ts; with --baseline DIR,
// the same body also goes through DIR's validation (a checkout built with `npm run build`): its
// own validator when it has one, else its class-validator pass (the ValidationPipe of the REST
// face over ProduceRecordsDto), so one run prints before and after. Prints numbers, asserts none.
import 'reflect-metadata';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WARMUP = 3;

const load = (dir, file) => import(pathToFileURL(path.join(dir, 'dist', file)).href);

/** The largest body the JSON bounds let through (1,000 records, the rest of the object budget in headers). */
async function largestBody(dir) {
  const { ADMIN_JSON_BOUNDS, jsonBoundsProblem } = await load(dir, 'admin/http/json-bounds.js');
  const records = 1_000;
  const headersPerRecord = Math.floor((ADMIN_JSON_BOUNDS.containersMax - 2 - 2 * records) / records);
  const body = () => ({
    encoding: 'utf8',
    partition: 0,
    records: Array.from({ length: records }, (_, i) => ({
      key: `key-${i}`,
      value: `value-${i}`,
      timestamp: 1_760_000_000_000 + i,
      headers: Array.from({ length: headersPerRecord }, (_, h) => ({ key: `h${h}`, value: h % 2 === 0 ? 'v' : null })),
    })),
  });
  const problem = jsonBoundsProblem(body(), ADMIN_JSON_BOUNDS);
  if (problem !== null) throw new Error(`the bench body is outside the JSON bounds: ${problem}`);
  return { body, headers: records * headersPerRecord };
}

/** How `dir` validates a produce body: its hand-written validator, else its ValidationPipe over ProduceRecordsDto. */
async function validatorOf(dir) {
  try {
    const { validateProduceBody } = await load(dir, 'admin/dto/produce-body.js');
    return { name: 'hand-written validator', validate: (body) => validateProduceBody(body) };
  } catch {
    const { adminValidationPipe } = await load(dir, 'admin/http/errors.js');
    const { ProduceRecordsDto } = await load(dir, 'admin/dto/records.dto.js');
    const pipe = adminValidationPipe();
    return { name: 'class-validator (ValidationPipe)', validate: (body) => pipe.transform(body, { type: 'body', metatype: ProduceRecordsDto }) };
  }
}

async function measure(label, dir, body, reps) {
  const { name, validate } = await validatorOf(dir);
  const times = [];
  const cpuTimes = [];
  for (let i = 0; i < WARMUP + reps; i++) {
    const input = body();
    // The previous runs' garbage is collected first (run with --expose-gc), so that the time is the validator's own.
    globalThis.gc?.();
    const started = performance.now();
    const cpu = process.cpuUsage();
    await validate(input);
    const used = process.cpuUsage(cpu);
    if (i >= WARMUP) {
      times.push(performance.now() - started);
      cpuTimes.push((used.user + used.system) / 1_000);
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const ms = (t) => t.toFixed(2).padStart(9);
  const wall = median(times);
  console.log(`${label.padEnd(24)} ${name.padEnd(34)} wall median ${ms(wall)} ms (min ${ms(times[0])}, max ${ms(times.at(-1))}); CPU median ${ms(median(cpuTimes))} ms`);
  return { wallMs: wall, cpuMs: median(cpuTimes) };
}

const o = benchArgs('usage: node bench/rest-validation.mjs [--reps N] [--baseline DIR]', { reps: 21, baseline: null }, { numbers: ['reps'], strings: ['baseline'], integers: { reps: [1, 1_000] } });
if (o.baseline !== null) o.baseline = path.resolve(o.baseline);
const { body, headers } = await largestBody(ROOT);
console.log(`largest REST produce body: 1000 records, ${headers} headers, ${JSON.stringify(body()).length} bytes of JSON; ${o.reps} runs each`);
const after = await measure('this checkout', ROOT, body, o.reps);
if (o.baseline !== null) {
  const before = await measure(`baseline ${path.basename(o.baseline)}`, o.baseline, body, o.reps);
  console.log(JSON.stringify({ bodyHeaders: headers, median: { baseline: before, current: after } }));
} else {
  console.log(JSON.stringify({ bodyHeaders: headers, median: { current: after } }));
}
