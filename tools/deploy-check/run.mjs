#!/usr/bin/env node
/**
 * Checks every deployment file of the repository in one command, offline once its tools are
 * cached (the first run fetches helm and a few npm packages from the npm registry into
 * .cache/deploy-check), in well under two minutes:
 *
 *   npm run check:deploy          (or: node tools/deploy-check/run.mjs; Node 24 is used for the broker)
 *
 *  Docker      Dockerfile syntax and shape, the .dockerignore build context, an emulated
 *              build (no Docker engine needed: lib/image.mjs) whose result really boots.
 *  Compose     docker-compose.yml against the Compose Specification schema and this
 *              project's needs; the broker booted with its environment, its health check.
 *  Prometheus  alerts.yml (PromQL parsed, metrics the broker exports), prometheus.yml.
 *  Grafana     deploy/grafana/blink.json (shape, every query parsed, metrics the broker
 *              exports, the chart's copy), the compose provisioning files.
 *  Helm        lint and template with default and non-default values (helm/blink/ci/),
 *              refusals of bad values, manifests validated against Kubernetes schemas,
 *              the chart's promises, and every rendered settings.yaml loaded by the broker's
 *              own validation and booted (Metadata advertises the chart's host name).
 *  systemd     systemd-analyze verify and security (when present), hardening directives.
 *  Start       npm start, the image's ENTRYPOINT and the unit's ExecStart run the same
 *              artifact with the same node flags and environment (the image's ENV, the
 *              unit's Environment=, the chart's container env).
 *
 * Ends with "N passed, N failed, N skipped"; exits 1 if anything failed.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeKafkaPorts, withRunningBroker, kafkaMetadataBrokers, probeSettings } from './lib/broker.mjs';
import { checkComposeContents, checkComposeSchema, checkSecureProfile, loadCompose, serviceEnvironment } from './lib/compose.mjs';
import {
  anatomy,
  checkPromises,
  checkSecurityPromises,
  expectRefusal,
  helmEnv,
  helmLint,
  helmNotes,
  helmTemplate,
  mergeValues,
  readYaml,
  SECRET_PATH_SETTINGS,
  secretMountOf,
  validateFieldsWithTsc,
  validateWithModels,
} from './lib/helm.mjs';
import { checkBuildContext, checkDockerfileShape, checkNativeAddon, emulateImage, imageFacts } from './lib/image.mjs';
import { killAll, run } from './lib/proc.mjs';
import { checkDashboard } from './lib/grafana.mjs';
import { checkAlertRules, checkPrometheusConfig, exportedMetrics, promtoolCheck } from './lib/prometheus.mjs';
import { Report } from './lib/report.mjs';
import { devCertificates, relistenOn, secretMount, tlsKafkaLogin, userFiles } from './lib/security.mjs';
import { checkChartEnvironment, checkStartCommands } from './lib/start-command.mjs';
import { checkCredentialDropIn, checkUnitDirectives, hasSystemdAnalyze, systemdAnalyze } from './lib/systemd.mjs';
import { ensureHelm, ensureNpmTools } from './lib/toolchain.mjs';

const DEADLINE_MS = 115_000;
const checkerDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(checkerDir, '..', '..');
const cacheDir = join(repoRoot, '.cache', 'deploy-check');
const chartDir = join(repoRoot, 'helm', 'blink');
/** Metrics the alert rules use before the broker exports them, and why. */
const UPCOMING_METRICS = new Map([['blink_offload_operations_total', 'exported once the WAL offloads batches']]);
/** Series Prometheus makes itself. */
const PROMETHEUS_METRICS = new Set(['up']);
/** Histograms are named by their series. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** The emulated image (null when its build failed: checks that boot the broker are skipped). */
let image = null;

const report = new Report();
const started = Date.now();
const deadline = setTimeout(() => {
  console.log(`\nDeadline: the checks did not finish within ${DEADLINE_MS / 1000} s`);
  report.fail('deadline', `still running after ${DEADLINE_MS / 1000} s`);
  report.summary();
  killAll();
  process.exit(1);
}, DEADLINE_MS);

function section(title) {
  console.log(`\n${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function projectNode() {
  for (const candidate of [join(repoRoot, 'node_modules', '.bin', 'node'), process.execPath]) {
    if (!existsSync(candidate)) continue;
    const { stdout } = await run(candidate, ['--version'], { timeoutMs: 10_000 });
    if (Number(/^v(\d+)/.exec(stdout.trim())?.[1]) >= 24) return candidate;
  }
  throw new Error('Node.js 24 not found: run `npm ci` (it brings the project\'s Node 24) or run this with Node 24');
}

async function loadTools(nodeBinary) {
  const helm = process.env.HELM ?? (await ensureHelm(cacheDir));
  const { toolsDir, load } = await ensureNpmTools(cacheDir, checkerDir, nodeBinary);
  const [yaml, ajv, formats, dockerfileAst, dockerfileUtils, dockerignore, promql] = await Promise.all(
    ['yaml', 'ajv', 'ajv-formats', 'dockerfile-ast', 'dockerfile-utils', '@balena/dockerignore', '@prometheus-io/lezer-promql'].map(load),
  );
  const { stdout } = await run(helm, ['version', '--short'], { timeoutMs: 10_000 });
  return {
    helm,
    helmVersion: stdout.trim(),
    toolsDir,
    load,
    yaml,
    Ajv: ajv.default,
    addFormats: formats.default,
    dockerfileAst,
    dockerfileUtils,
    dockerignore: dockerignore.default,
    promql,
  };
}

/** A check that needs the emulated image. */
async function withImage(name, body) {
  if (image === null) report.skip(name, 'the emulated image build failed (see above)');
  else await report.check(name, body);
}

async function main() {
  mkdirSync(cacheDir, { recursive: true });
  section('Tools');
  let nodeBinary;
  let tools;
  const toolsReady = await report.check('tools (helm, npm packages) in .cache/deploy-check', async () => {
    nodeBinary = await projectNode();
    tools = await loadTools(nodeBinary);
    return `helm ${tools.helmVersion}, node ${relative(repoRoot, nodeBinary) || nodeBinary}`;
  });
  if (!toolsReady) return;

  section('Docker image');
  const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  let facts = null;
  await report.check('Dockerfile: syntax, multi-stage node:24 slim, production deps, non-root, ports, volume, healthcheck, PID 1', () => {
    facts = imageFacts(tools, dockerfileText);
    return checkDockerfileShape(tools, dockerfileText);
  });
  await report.check('.dockerignore: build context has every COPY source and nothing heavy or secret', () =>
    checkBuildContext(tools, repoRoot, dockerfileText),
  );
  await report.check('npm start, the image ENTRYPOINT and ENV (and so Helm) and the systemd unit start the same artifact with the same node flags and environment', () =>
    checkStartCommands(repoRoot, facts),
  );
  await report.check('emulated image build (tsc in the build stage, npm ci --omit=dev, final-stage COPYs)', async () => {
    image = await emulateImage(tools, { repoRoot, cacheDir, nodeBinary, probeSource: join(checkerDir, 'settings-probe.mjs') });
    return `runs as ${image.uid === undefined ? `this user (not root, so not ${image.user})` : `uid ${image.user}`}`;
  });
  try {
    await withImage('image: the CRC-32C addon compiled in the build stage', () => checkNativeAddon(tools, dockerfileText, image));
    await withImage(`image settings: record_storage_path is the VOLUME ${facts?.volume}`, async () => {
      const answer = await probeSettings(image, '-', image.env);
      if (!answer.ok) throw new Error(answer.error);
      const expected = join(image.appDir, relative(image.workdir, image.volume));
      if (answer.config.recordStoragePath !== expected) throw new Error(`record_storage_path resolves to ${answer.config.recordStoragePath}, the volume is ${expected}`);
    });
    await composeChecks(tools, facts);
    await prometheusChecks(tools);
    await grafanaChecks(tools);
    await helmChecks(tools, nodeBinary);
  } finally {
    image?.cleanup();
  }
  section('systemd');
  await report.check('deploy/systemd/blink.service: hardening and graceful stop directives', () => checkUnitDirectives(repoRoot));
  await report.check('deploy/systemd/blink-security.conf: TLS key and SASL users from credentials ($CREDENTIALS_DIRECTORY), ExecStartPre run', () => checkCredentialDropIn(repoRoot));
  if (await hasSystemdAnalyze()) {
    await report.check('systemd-analyze verify + security --offline', () => systemdAnalyze(repoRoot, nodeBinary));
  } else {
    report.skip('systemd-analyze verify', 'systemd-analyze is not installed here (apt-get install systemd)');
  }
}

let exportedMetricNames = null;

async function composeChecks(tools, facts) {
  section('docker compose');
  let compose;
  const parsed = await report.check('docker-compose.yml: YAML and variable interpolation', () => {
    compose = loadCompose(tools, repoRoot);
  });
  if (!parsed) return;
  await report.check('docker-compose.yml: Compose Specification schema', () => checkComposeSchema(tools, compose));
  await report.check('docker-compose.yml: broker service, ports, env, WAL volume, healthcheck, restart, prometheus profile', () => {
    if (!facts) throw new Error('the Dockerfile could not be read (see above)');
    return checkComposeContents(compose, { repoRoot, image: facts });
  });
  // `config` parses, interpolates and validates without a Docker engine: the Compose plugin
  // (docker compose) if this machine has it, else Debian's docker-compose 1.29.
  const composeArgs = ['-f', join(repoRoot, 'docker-compose.yml'), '--profile', 'prometheus', '--profile', 'secure', 'config', '--quiet'];
  const plugin = await run('docker', ['compose', 'version'], { timeoutMs: 10_000 }).catch(() => null);
  const standalone = plugin?.code === 0 ? null : await run('docker-compose', ['version'], { timeoutMs: 10_000 }).catch(() => null);
  const composeCli = plugin?.code === 0 ? ['docker', ['compose', ...composeArgs]] : standalone?.code === 0 ? ['docker-compose', composeArgs] : null;
  if (composeCli) {
    await report.check(`${composeCli[0] === 'docker' ? 'docker compose' : 'docker-compose'} config`, async () => {
      const result = await run(composeCli[0], composeCli[1], { cwd: repoRoot, timeoutMs: 30_000 });
      if (result.code !== 0) throw new Error(`${result.stderr}${result.stdout}`.trim());
    });
  } else {
    report.skip('docker compose config', 'neither the Compose plugin nor docker-compose is installed here; the schema check above stands in for it');
  }
  const environment = { ...facts?.env, ...serviceEnvironment(compose.services?.blink ?? {}) };
  let composeConfig = null;
  await withImage('compose environment accepted by the broker\'s settings validation', async () => {
    const answer = await probeSettings(image, '-', environment);
    if (!answer.ok) throw new Error(answer.error);
    composeConfig = answer.config;
  });
  await withImage('broker boots from the image layout with the compose environment: ready, HEALTHCHECK, SIGTERM -> exit 0', async () => {
    let restPort;
    const { value: metricsText, shutdownMs } = await withRunningBroker(image, { env: environment }, async ({ get, env }) => {
      restPort = env.REST_PORT;
      const health = await runHealthcheck(restPort);
      if (health.code !== 0) throw new Error(`HEALTHCHECK ${image.healthcheck.join(' ')} exited ${health.code}: ${health.stderr.trim()}`);
      const metrics = await get('/prometheus');
      if (metrics.status !== 200) throw new Error(`/prometheus answered ${metrics.status}`);
      return metrics.body;
    });
    if ((await runHealthcheck(restPort)).code === 0) throw new Error('HEALTHCHECK still passes after the broker stopped');
    exportedMetricNames = exportedMetrics(metricsText);
    const maxMemory = /^blink_max_memory_bytes (\d+)/m.exec(metricsText)?.[1];
    if (composeConfig && Number(maxMemory) !== composeConfig.maxMemoryBytes) {
      throw new Error(`blink_max_memory_bytes ${maxMemory}, expected ${composeConfig.maxMemoryBytes} (MAX_MEMORY=${environment.MAX_MEMORY})`);
    }
    return `stopped in ${shutdownMs} ms; health check fails once it is down`;
  });
  await secureComposeChecks(compose, facts);
}

/**
 * The "secure" profile booted: dev-certs.sh run here as the dev-certs service would, its
 * directory in place of the service's mount, blink-secure's environment: ApiVersions and a
 * SASL login as "admin" over TLS verified for localhost, REST over HTTPS, the HEALTHCHECK.
 */
async function secureComposeChecks(compose, facts) {
  let profile = null;
  await report.check('docker-compose.yml "secure" profile: SASL_SSL listener, dev-certs one-shot service, read-only certificate mount', () => {
    if (!facts) throw new Error('the Dockerfile could not be read (see above)');
    profile = checkSecureProfile(compose, { repoRoot, image: facts });
  });
  if (profile === null) return;
  await withImage('"secure" profile boots with dev-certs.sh certificates: SASL_SSL login, HTTPS REST, HEALTHCHECK over HTTPS', async () => {
    const work = traversableTempDir('blink-dev-certs-');
    try {
      const certs = await devCertificates(repoRoot, work, { hosts: profile.hosts, password: 'admin-secret' });
      const environment = Object.fromEntries(
        Object.entries({ ...facts.env, ...profile.environment }).map(([name, value]) => [name, value.startsWith(`${profile.certsTarget}/`) ? join(certs.dir, value.slice(profile.certsTarget.length + 1)) : value]),
      );
      const kafkaPorts = await freeKafkaPorts();
      environment.LISTENERS = relistenOn(environment.LISTENERS, kafkaPorts);
      const servername = environment.ADVERTISED_HOSTNAME;
      const { value, shutdownMs } = await withRunningBroker(image, { env: environment, kafkaPorts, restCa: certs.ca, restServername: servername }, async ({ restPort }) => {
        const login = await tlsKafkaLogin(kafkaPorts[0], { ca: certs.ca, servername, login: { user: certs.user, password: certs.password } });
        const health = await runHealthcheck(restPort, true);
        if (health.code !== 0) throw new Error(`HEALTHCHECK over HTTPS exited ${health.code}: ${health.stderr.trim()}`);
        return login;
      });
      return `${value}, REST over HTTPS, HEALTHCHECK ok, stopped in ${shutdownMs} ms`;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

/** The image's HEALTHCHECK command, run in the image layout against `restPort` (HTTPS with restSsl). */
function runHealthcheck(restPort, restSsl = false) {
  const [command, ...args] = image.healthcheck;
  return run(command === 'node' ? image.node : command, args, {
    cwd: image.appDir,
    env: { PATH: process.env.PATH, REST_PORT: String(restPort), ...(restSsl ? { REST_SSL_ENABLED: 'true' } : {}) },
    timeoutMs: 10_000,
  });
}

async function prometheusChecks(tools) {
  section('Prometheus');
  let alertMetrics = [];
  await report.check('config/prometheus/alerts.yml: rules, PromQL syntax, helm/blink/files copy', () => {
    alertMetrics = checkAlertRules(tools, repoRoot).metrics;
  });
  await report.check('config/prometheus/prometheus.yml: job "blink" scrapes /prometheus, loads alerts.yml', () =>
    checkPrometheusConfig(tools, repoRoot, { restPort: 30004 }),
  );
  const promtool = await promtoolCheck(repoRoot).catch((error) => {
    report.fail('promtool check config + rules', error.message);
    return undefined;
  });
  if (promtool === null) report.skip('promtool check config + rules', 'promtool is not installed here (apt-get install prometheus)');
  else if (promtool !== undefined) report.pass('promtool check config + rules', promtool);
  if (exportedMetricNames === null) {
    report.skip('metrics named by the alert rules are exported by the broker', 'the broker did not boot (see above)');
  } else {
    await report.check('metrics named by the alert rules are exported by the broker', () => {
      const missing = alertMetrics.filter((name) => !exportedMetricNames.has(name) && !PROMETHEUS_METRICS.has(name));
      for (const name of missing.filter((name) => UPCOMING_METRICS.has(name))) report.note(`${name} is not exported yet: ${UPCOMING_METRICS.get(name)}`);
      const unexpected = missing.filter((name) => !UPCOMING_METRICS.has(name));
      if (unexpected.length > 0) throw new Error(`not exported: ${unexpected.join(', ')}`);
    });
  }
}

async function grafanaChecks(tools) {
  section('Grafana');
  let dashboardMetrics = [];
  await report.check('deploy/grafana/blink.json: shape, PromQL of every query, helm/blink/files copy, provisioning', () => {
    const checked = checkDashboard(tools, repoRoot);
    dashboardMetrics = checked.metrics;
    return checked.summary;
  });
  if (exportedMetricNames === null) {
    report.skip('metrics named by the dashboard are exported by the broker', 'the broker did not boot (see above)');
    return;
  }
  await report.check('metrics named by the dashboard are exported by the broker', () => {
    const missing = dashboardMetrics.filter((name) => !exportedMetricNames.has(name) && !HISTOGRAM_SUFFIXES.some((suffix) => name.endsWith(suffix) && exportedMetricNames.has(name)));
    if (missing.length > 0) throw new Error(`not exported: ${missing.join(', ')}`);
  });
}

/** "default-values", "custom-values", ... for the files under .cache/deploy-check/rendered. */
function scenarioFileName(scenario) {
  return scenario.name.replace(/^ci\//, '').replace(/\.yaml$/, '').replace(/\W+/g, '-');
}

async function helmChecks(tools, nodeBinary) {
  section(`Helm chart helm/blink (${tools.helmVersion})`);
  const env = helmEnv(cacheDir);
  const defaults = readYaml(tools, join(chartDir, 'values.yaml'));
  const alerts = tools.yaml.parse(readFileSync(join(repoRoot, 'config/prometheus/alerts.yml'), 'utf8'));
  const dashboard = readFileSync(join(repoRoot, 'deploy/grafana/blink.json'), 'utf8');
  const ciDir = join(chartDir, 'ci');
  const scenarios = [
    { name: 'default values', valuesFile: null, values: defaults },
    ...readdirSync(ciDir)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => ({ name: `ci/${file}`, valuesFile: join(ciDir, file), values: mergeValues(defaults, readYaml(tools, join(ciDir, file))) })),
  ];
  const renderedDir = join(cacheDir, 'rendered');
  mkdirSync(renderedDir, { recursive: true });
  for (const scenario of scenarios) {
    await report.check(`helm lint --strict (${scenario.name})`, () => helmLint(tools.helm, chartDir, env, scenario.valuesFile));
    await report.check(`helm template (${scenario.name})`, async () => {
      scenario.objects = await helmTemplate(tools, tools.helm, chartDir, env, { valuesFile: scenario.valuesFile });
      const file = join(renderedDir, `${scenarioFileName(scenario)}.json`);
      writeFileSync(file, JSON.stringify(scenario.objects, null, 2));
      return `${scenario.objects.map((object) => object.kind).join(', ')}`;
    });
  }
  for (const scenario of scenarios.filter((candidate) => candidate.objects)) {
    await report.check(`NOTES.txt: bootstrap address and kcat example (${scenario.name})`, async () => {
      const notes = await helmNotes(tools.helm, chartDir, env, scenario.valuesFile);
      const advertised = tools.yaml.parse(anatomy(scenario.objects).settingsText ?? '{}')?.advertised_hostname;
      const expect = Report.problems();
      expect(/kcat -b \S+:\d+ -P/.test(notes) && /kcat -b \S+:\d+ -C/.test(notes), 'no kcat produce/consume example');
      expect(advertised && notes.includes(advertised), `does not name the advertised host ${advertised}`);
      expect.done();
    });
  }
  const refusals = [
    { what: 'a size that is not one', args: ['--set', 'settings.max_memory=lots'], mentions: 'max_memory' },
    { what: 'a misspelt setting', args: ['--set', 'settings.max_memroy=1GB'], mentions: 'max_memroy' },
    { what: 'a setting the chart derives', args: ['--set', 'settings.broker_ports={1}'], mentions: 'broker_ports' },
    { what: 'an unknown storage mode', args: ['--set', 'settings.storage_mode=persistent'], mentions: 'storage_mode' },
    { what: 'memory above 4x max_memory', args: ['--set', 'resources.memory.limitFactor=5'], mentions: 'limitFactor' },
    { what: 'an unknown advertise mode', args: ['--set', 'kafka.advertise=node'], mentions: 'advertise' },
    { what: 'the REST port among the Kafka ports', args: ['--set', 'rest.port=9092'], mentions: 'rest.port 9092' },
    { what: 'external access without an advertised name', args: ['--set', 'externalService.enabled=true'], mentions: 'kafka.advertisedHostname' },
    { what: 'a SASL_SSL port without TLS', args: ['--set', 'kafka.securityProtocols.9092=SASL_SSL'], mentions: 'needs tls.enabled' },
    { what: 'a security protocol for a port that is not a Kafka port', args: ['--set', 'kafka.securityProtocols.9093=SSL'], mentions: 'port 9093' },
    { what: 'TLS with no certificate source', args: ['--set', 'tls.enabled=true'], mentions: 'tls.existingSecret' },
    { what: 'cert-manager without an issuer', args: ['--set', 'tls.enabled=true', '--set', 'tls.certManager.enabled=true'], mentions: 'issuerRef.name' },
    { what: 'a certificate path the chart derives from tls.*', args: ['--set', 'tls.enabled=true', '--set', 'tls.existingSecret=s', '--set', 'settings.ssl_cert_file=/x'], mentions: 'settings.ssl_cert_file' },
    { what: 'an unknown security protocol', args: ['--set', 'kafka.securityProtocols.9092=TLS'], mentions: 'securityProtocols' },
  ];
  for (const refusal of refusals) {
    await report.check(`chart refuses ${refusal.what}`, () => expectRefusal(tools.helm, chartDir, env, refusal));
  }
  const rendered = scenarios.filter((scenario) => scenario.objects);
  for (const scenario of rendered) {
    await report.check(`Kubernetes schemas (${scenario.name})`, () => validateWithModels(tools, scenario.objects));
  }
  await report.check('no unknown fields in any rendered manifest (tsc over kubernetes-models types)', () =>
    validateFieldsWithTsc(tools, rendered, { nodeBinary, tsc: join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc') }),
  );

  const brokerKeys = image ? ((await probeSettings(image, '-', {})).keys ?? []) : [];
  // Settings the chart's schema offers: those the broker does not know yet are left out of
  // its validation with a note (the chart may run ahead of the broker); any other unknown
  // key fails.
  const settingsSchema = readYaml(tools, join(chartDir, 'values.schema.json')).properties.settings.properties;
  const offeredKeys = Object.keys(settingsSchema).filter((key) => settingsSchema[key].not === undefined);
  await withImage('values.schema.json offers every setting the broker knows', () => {
    const missing = brokerKeys.filter((key) => !Object.hasOwn(settingsSchema, key));
    if (missing.length > 0) throw new Error(`add to settings.properties in helm/blink/values.schema.json (and document in values.yaml): ${missing.join(', ')}`);
    const ahead = offeredKeys.filter((key) => !brokerKeys.includes(key));
    if (ahead.length > 0) report.note(`the chart offers settings this broker does not know yet: ${ahead.join(', ')}`);
  });

  for (const scenario of rendered) {
    const parts = anatomy(scenario.objects);
    if (parts.settingsText === undefined) {
      report.fail(`settings.yaml (${scenario.name})`, 'no settings.yaml in a ConfigMap mounted behind --settings');
      continue;
    }
    const settings = tools.yaml.parse(parts.settingsText);
    const unknown = Object.keys(settings).filter((key) => !brokerKeys.includes(key));
    const deferred = unknown.filter((key) => offeredKeys.includes(key));
    const checked = Object.fromEntries(Object.entries(settings).filter(([key]) => !deferred.includes(key)));
    const file = join(renderedDir, `${scenarioFileName(scenario)}-settings.yaml`);
    writeFileSync(file, deferred.length > 0 ? tools.yaml.stringify(checked) : parts.settingsText);
    if (deferred.length > 0) report.note(`${scenario.name}: the broker does not know ${deferred.join(', ')} yet; its settings are validated without them`);
    let config = null;
    await withImage(`rendered settings.yaml passes the broker's validation (${scenario.name})`, async () => {
      const answer = await probeSettings(image, file, {});
      if (!answer.ok) throw new Error(answer.error);
      config = answer.config;
      return `max_memory ${config.maxMemoryBytes} B, advertised ${config.advertisedHostname}`;
    });
    await report.check(`chart promises (${scenario.name})`, () => checkPromises(parts, { settings, config, values: scenario.values, alerts, dashboard }));
    await report.check(`chart security promises: listeners, Secret mounts, Certificate, probe scheme (${scenario.name})`, () =>
      checkSecurityPromises(parts, { settings, values: scenario.values }),
    );
    await report.check(`container environment: the start script's (MALLOC_ARENA_MAX) once, extraEnv overrides (${scenario.name})`, () =>
      checkChartEnvironment(repoRoot, parts.container, scenario.values.extraEnv),
    );
    if (settings.ssl_cert_file) {
      await withImage(`broker boots with the rendered TLS and SASL files: ApiVersions and a SASL login over TLS (${scenario.name})`, () =>
        bootSecured(tools, { parts, settings, file }),
      );
      continue;
    }
    await withImage(`broker boots with the rendered settings.yaml, Metadata advertises its host (${scenario.name})`, async () => {
      const { value: brokers, shutdownMs } = await withRunningBroker(image, { args: ['--settings', file] }, ({ kafkaPort }) =>
        kafkaMetadataBrokers(kafkaPort).then((list) => ({ list, kafkaPort })),
      );
      const [broker] = brokers.list;
      if (brokers.list.length !== 1 || broker.host !== settings.advertised_hostname || broker.port !== brokers.kafkaPort) {
        throw new Error(`Metadata brokers ${JSON.stringify(brokers.list)}, expected ${settings.advertised_hostname}:${brokers.kafkaPort}`);
      }
      return `${broker.host}:${broker.port}, stopped in ${shutdownMs} ms`;
    });
  }
  report.note(`rendered manifests and settings: ${relative(repoRoot, renderedDir)}/`);
}

/**
 * A scenario with TLS: dev-certs.sh makes a certificate for the names the chart's Certificate
 * lists (else the advertised host), laid out as the pod's Secret mounts; the rendered
 * settings.yaml, with its paths moved onto those mounts and its listeners onto free ports,
 * boots the broker, which must answer ApiVersions over TLS (verified for the advertised host),
 * accept a SASL PLAIN login of a user from the users Secret on the first SASL_SSL port, and
 * serve REST over HTTPS with rest_ssl_enabled (the readiness wait goes through it).
 */
async function bootSecured(tools, { parts, settings, file }) {
  const work = traversableTempDir('blink-secrets-');
  try {
    const certificate = parts.of('Certificate')[0];
    const hosts = certificate ? [...certificate.spec.dnsNames, ...(certificate.spec.ipAddresses ?? [])] : [settings.advertised_hostname];
    const certs = await devCertificates(repoRoot, work, { hosts });
    const owner = image.uid === undefined ? undefined : { uid: image.uid, gid: image.gid };
    const local = { ...settings };
    for (const key of SECRET_PATH_SETTINGS.filter((candidate) => settings[candidate])) {
      const { volume, relative } = secretMountOf(parts, settings[key]);
      const mountDir = join(work, 'mounts', volume.name);
      if (!existsSync(mountDir)) secretMount(mountDir, key === 'sasl_users_dir' ? userFiles(certs.usersDir) : certs.files, owner);
      local[key] = relative === '' ? mountDir : join(mountDir, relative);
    }
    const kafkaPorts = await freeKafkaPorts();
    const listeners = String(settings.listeners ?? '').split(',');
    if (settings.listeners) local.listeners = relistenOn(settings.listeners, kafkaPorts);
    const localFile = file.replace(/\.yaml$/, '-local.yaml');
    writeFileSync(localFile, tools.yaml.stringify(local));
    const tlsIndex = listeners.findIndex((listener) => protocolOf(settings, listener).endsWith('SSL'));
    if (tlsIndex < 0) throw new Error('ssl_cert_file is set but no listener uses TLS');
    const sasl = protocolOf(settings, listeners[tlsIndex]).startsWith('SASL') && [settings.sasl_enabled_mechanisms ?? []].flat().includes('PLAIN');
    const login = sasl && settings.sasl_users_dir ? { user: certs.user, password: certs.password } : undefined;
    const rest = settings.rest_ssl_enabled ? { restCa: certs.ca, restServername: settings.advertised_hostname } : {};
    const { value, shutdownMs } = await withRunningBroker(image, { args: ['--settings', localFile], kafkaPorts, ...rest }, () =>
      tlsKafkaLogin(kafkaPorts[tlsIndex], { ca: certs.ca, servername: settings.advertised_hostname, login }),
    );
    return `${value}${settings.rest_ssl_enabled ? ', REST over HTTPS' : ''}, stopped in ${shutdownMs} ms`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A temporary directory the image's user may enter (mkdtemp makes it 0700 for whoever runs the check). */
function traversableTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** The security protocol of one `NAME://host:port` listener (its name, or listener_security_protocol_map). */
function protocolOf(settings, listener) {
  const name = /^(\w+):\/\//.exec(listener)?.[1] ?? '';
  return new RegExp(`(^|,)${name}:(\\w+)`).exec(settings.listener_security_protocol_map ?? '')?.[2] ?? name;
}

try {
  await main();
} catch (error) {
  report.fail('deploy-check', error instanceof Error ? error.stack ?? error.message : String(error));
} finally {
  clearTimeout(deadline);
  killAll();
  console.log(`\nTook ${((Date.now() - started) / 1000).toFixed(1)} s`);
  report.summary();
  process.exitCode = report.failedCount > 0 ? 1 : 0;
}
