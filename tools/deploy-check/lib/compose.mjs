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

/**
 * The "secure" profile: a broker with a SASL_SSL listener whose certificate, key and users
 * come read-only from the directory the one-shot dev-certs service fills with
 * deploy/docker/dev-certs.sh, started only once that service has succeeded. Returns
 * { environment, certsTarget, hosts }: the broker's environment, where it mounts the
 * certificates, and the names dev-certs.sh certifies.
 */
export function checkSecureProfile(compose, { repoRoot, image }) {
  const expect = Report.problems();
  const secure = compose.services?.['blink-secure'];
  const certs = compose.services?.['dev-certs'];
  if (!secure || !certs) throw new Error('the "secure" profile needs the services blink-secure and dev-certs');
  expect(secure.profiles?.includes('secure') && certs.profiles?.includes('secure'), 'blink-secure and dev-certs must be in the "secure" profile');
  const environment = serviceEnvironment(secure);
  expect(/(^|,)SASL_SSL:\/\//.test(environment.LISTENERS ?? ''), `blink-secure: LISTENERS ${environment.LISTENERS} has no SASL_SSL listener`);
  const mounts = (volumes = []) => volumes.map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target, volume.read_only ? 'ro' : '']));
  const script = mounts(certs.volumes).find(([source]) => source === './deploy/docker/dev-certs.sh');
  expect(script && existsSync(join(repoRoot, script[0])), 'dev-certs: deploy/docker/dev-certs.sh is not mounted');
  const outputTarget = certs.command?.at(-1);
  const output = mounts(certs.volumes).find(([, target]) => target === outputTarget);
  expect(output, `dev-certs: its output directory ${outputTarget} is not a mounted volume`);
  const certsMount = mounts(secure.volumes).find(([source]) => source === output?.[0]);
  expect(certsMount?.[2] === 'ro', `blink-secure: ${output?.[0]} (the certificates) is not mounted read-only`);
  for (const name of ['SSL_CERT_FILE', 'SSL_KEY_FILE', 'SASL_USERS_DIR']) {
    expect(certsMount && environment[name]?.startsWith(`${certsMount[1]}/`), `blink-secure: ${name} ${environment[name]} is not on the dev-certs mount`);
  }
  expect(secure.depends_on?.['dev-certs']?.condition === 'service_completed_successfully', 'blink-secure must depend on dev-certs with condition service_completed_successfully');
  expect(JSON.stringify(secure.healthcheck?.test?.slice(1)) === JSON.stringify(image.healthcheck), 'blink-secure: healthcheck differs from the image\'s HEALTHCHECK');
  for (const port of containerPorts(secure.ports)) expect(!containerPorts(compose.services.blink?.ports).some((other) => hostPort(secure.ports, port) === hostPort(compose.services.blink.ports, other)), `blink-secure: host port of ${port} clashes with the blink service`);
  expect.done();
  return { environment, certsTarget: certsMount[1], hosts: String(serviceEnvironment(certs).BLINK_CERT_HOSTS ?? '').split(/\s+/).filter(Boolean) };
}

/** The host port a `ports` entry publishes container port `port` on. */
function hostPort(ports = [], port) {
  const entry = ports.find((candidate) => containerPorts([candidate])[0] === port);
  return typeof entry === 'object' ? String(entry.published) : String(entry).split(':').at(-2);
}
