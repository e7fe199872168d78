/**
 * docker-compose.yml without a Docker engine: YAML, variable interpolation as Compose does
 * it (${VAR}, ${VAR:-default}, ${VAR-default}, $$), the Compose Specification JSON schema
 * (the copy that ships with dclint), and what this project needs from the file. The broker
 * environment it sets is later booted for real (run.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report } from './report.mjs';

/** Compose-style interpolation of every string in `value`, with `variables` (unset = empty). */
export function interpolate(value, variables = {}) {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)/g, (match, name, operator, fallback, bare) => {
      if (match === '$$') return '$';
      const key = name ?? bare;
      const current = variables[key];
      if (operator === ':-') return current ? current : fallback;
      if (operator === '-') return current !== undefined ? current : fallback;
      return current ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, variables));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)]));
  }
  return value;
}

export function loadCompose(tools, repoRoot) {
  const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
  return interpolate(tools.yaml.parse(text));
}

export function checkComposeSchema(tools, compose) {
  const schema = JSON.parse(readFileSync(join(tools.toolsDir, 'node_modules', 'dclint', 'schemas', 'compose.schema.json'), 'utf8'));
  delete schema.$schema;
  const ajv = new tools.Ajv({ strict: false, allErrors: true });
  tools.addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(compose)) {
    throw new Error(
      validate.errors
        .map((error) => `${error.instancePath || '/'} ${error.message}${error.params?.additionalProperty ? `: ${error.params.additionalProperty}` : ''}`)
        .join('\n'),
    );
  }
  return 'Compose Specification schema';
}

/** The environment list or map of a service, as a plain object. */
export function serviceEnvironment(service) {
  const environment = service.environment ?? {};
  if (!Array.isArray(environment)) return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
  return Object.fromEntries(environment.map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
}

/** Container ports of `ports` entries ("127.0.0.1:9092:9092", "9092:9092", {target: 9092}). */
function containerPorts(ports = []) {
  return ports.map((entry) => (typeof entry === 'object' ? String(entry.target) : String(entry).split(':').at(-1).replace(/\/tcp$/, '')));
}

function durationSeconds(text = '10s') {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(text));
  if (!match) return Number.NaN;
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2]];
}

export function checkComposeContents(compose, { repoRoot, image }) {
  const expect = Report.problems();
  const blink = compose.services?.blink;
  if (!blink) throw new Error('no "blink" service');
  expect(blink.build !== undefined, 'blink: no build (the image comes from the Dockerfile)');
  const ports = containerPorts(blink.ports);
  for (const port of ['9092', '9094', '30004']) expect(ports.includes(port), `blink: port ${port} is not published`);
  const environment = serviceEnvironment(blink);
  for (const name of ['MAX_MEMORY', 'RETENTION', 'LOG_LEVEL']) expect(name in environment, `blink: environment lacks ${name}`);
  const volumeMounts = (blink.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target]));
  const walMount = volumeMounts.find(([, target]) => target === image.volume);
  expect(walMount, `blink: nothing mounted at the image's VOLUME ${image.volume}`);
  expect(walMount && compose.volumes && walMount[0] in compose.volumes, 'blink: the WAL is not on a named volume declared under volumes:');
  const test = blink.healthcheck?.test ?? [];
  expect(Array.isArray(test) && test[0] === 'CMD' && test[1] === 'node', 'blink: healthcheck.test must be ["CMD", "node", ...]');
  expect(JSON.stringify(test.slice(1)) === JSON.stringify(image.healthcheck), `blink: healthcheck ${JSON.stringify(test.slice(1))} differs from the image's HEALTHCHECK ${JSON.stringify(image.healthcheck)}`);
  expect(blink.restart === 'unless-stopped', 'blink: restart must be unless-stopped');
  expect(durationSeconds(blink.stop_grace_period) > 10, 'blink: stop_grace_period must exceed the broker\'s 10 s shutdown deadline');

  const prometheus = compose.services?.prometheus;
  expect(prometheus?.profiles?.includes('prometheus'), 'a "prometheus" service in the "prometheus" profile is missing');
  for (const volume of prometheus?.volumes ?? []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
    if (source.startsWith('./')) expect(existsSync(join(repoRoot, source)), `prometheus: ${source} does not exist`);
  }
  const grafana = compose.services?.grafana;
  expect(grafana?.profiles?.includes('prometheus'), 'a "grafana" service in the "prometheus" profile is missing');
  const grafanaSources = (grafana?.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source));
  for (const source of grafanaSources.filter((candidate) => candidate.startsWith('./'))) expect(existsSync(join(repoRoot, source)), `grafana: ${source} does not exist`);
  expect(grafanaSources.includes('./deploy/grafana/blink.json'), 'grafana: deploy/grafana/blink.json is not mounted');
  expect.done();
  return `environment ${Object.keys(environment).join(', ')}`;
}
