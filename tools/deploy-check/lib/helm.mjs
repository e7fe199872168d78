/**
 * The Helm chart: lint, render, refusals of bad values, every rendered manifest validated
 * against the Kubernetes schemas offline (kubernetes-models: types, enums, required
 * fields; tsc over the models' TypeScript types: unknown fields, which the API server's
 * strict field validation rejects), and what the chart promises (storage by mode,
 * probes, restricted security context, ports, advertised host name, memory vs max_memory).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Report } from './report.mjs';
import { run, runOk } from './proc.mjs';

export const NAMESPACE = 'blink-ci';
export const RELEASE = 'ci';

export function helmEnv(cacheDir) {
  const home = join(cacheDir, 'helm-home');
  return {
    ...process.env,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

export async function helmLint(helm, chartDir, env, valuesFile) {
  const args = ['lint', '--strict', chartDir, ...(valuesFile ? ['-f', valuesFile] : [])];
  const { stdout } = await runOk(helm, args, { env, timeoutMs: 30_000 });
  const problems = stdout.split('\n').filter((line) => /^\[(WARNING|ERROR)\]/.test(line));
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

export async function helmTemplate(tools, helm, chartDir, env, { valuesFile, extraArgs = [] } = {}) {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...(valuesFile ? ['-f', valuesFile] : []), ...extraArgs];
  const { stdout } = await runOk(helm, args, { env, timeoutMs: 30_000 });
  return tools.yaml
    .parseAllDocuments(stdout)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${document.errors[0].message}`);
      return document.toJS();
    })
    .filter((object) => object !== null);
}

/** NOTES.txt as `helm install` prints it (a client-only dry run needs no cluster). */
export async function helmNotes(helm, chartDir, env, valuesFile) {
  const args = ['install', RELEASE, chartDir, '--namespace', NAMESPACE, '--dry-run=client', ...(valuesFile ? ['-f', valuesFile] : [])];
  const { stdout } = await runOk(helm, args, { env: { ...env, KUBECONFIG: join(env.HOME, 'no-kubeconfig') }, timeoutMs: 30_000 });
  const notes = stdout.split('\nNOTES:\n')[1];
  if (!notes) throw new Error('helm install --dry-run=client printed no NOTES');
  return notes;
}

/** helm must refuse these values with a message that names the problem. */
export async function expectRefusal(helm, chartDir, env, { args, mentions }) {
  const result = await run(helm, ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...args], { env, timeoutMs: 30_000 });
  if (result.code === 0) throw new Error(`helm template ${args.join(' ')} was accepted`);
  if (!result.stderr.includes(mentions)) throw new Error(`refused, but the message does not mention "${mentions}":\n${result.stderr.trim()}`);
}

function modelModule(object) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [null, object.apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`;
  if (group === 'cert-manager.io') return `@kubernetes-models/cert-manager/${group}/${version}/${object.kind}`;
  return group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
}

const describe = (object) => `${object.kind}/${object.metadata?.name}`;

/** Schema validation of every object (kubernetes-models' compiled JSON schemas). */
export async function validateWithModels(tools, objects) {
  const problems = [];
  for (const object of objects) {
    let Model;
    try {
      Model = (await tools.load(modelModule(object)))[object.kind];
    } catch {
      problems.push(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/**
 * Unknown fields: every object becomes a TypeScript constant typed with its model's
 * interface, and tsc's excess-property check reports any field the schema lacks.
 */
export async function validateFieldsWithTsc(tools, scenarios, { nodeBinary, tsc }) {
  const dir = join(tools.toolsDir, 'field-check');
  mkdirSync(dir, { recursive: true });
  const lines = [];
  const origin = [];
  const imports = new Map();
  for (const scenario of scenarios) {
    for (const object of scenario.objects) {
      const module = modelModule(object);
      const alias = `I${imports.size}`;
      if (!imports.has(module)) imports.set(module, alias);
      lines.push(`export const m${lines.length}: ${imports.get(module)} = ${JSON.stringify(object)};`);
      origin.push(`${scenario.name}: ${describe(object)}`);
    }
  }
  const header = [...imports].map(([module, alias]) => `import type { I${module.split('/').at(-1)} as ${alias} } from '${module}';`);
  writeFileSync(join(dir, 'manifests.ts'), [...header, ...lines].join('\n') + '\n');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] },
      files: ['manifests.ts'],
    }),
  );
  const result = await run(nodeBinary, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, timeoutMs: 60_000 });
  if (result.code === 0) return `${lines.length} objects`;
  const problems = result.stdout
    .split('\n')
    .filter((line) => line.includes('error TS'))
    .map((line) => {
      const match = /^manifests\.ts\((\d+),\d+\): error TS\d+: (.*)$/.exec(line.trim());
      return match ? `${origin[Number(match[1]) - 1 - header.length] ?? '?'}: ${match[2]}` : line;
    });
  throw new Error(problems.join('\n') || result.stdout || result.stderr);
}

// ---------------------------------------------------------------------------------------
// What the chart promises, checked on the rendered objects.

function matches(selector = {}, labels = {}) {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function quantityBytes(quantity) {
  const match = /^(\d+(?:\.\d+)?)([EPTGMK]i|[EPTGMk])?$/.exec(String(quantity));
  if (!match) return Number.NaN;
  const binary = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(match[1]) * (binary[match[2]] ?? decimal[match[2]] ?? 1);
}

/** The parts of a rendered chart the checks below look at. */
export function anatomy(objects) {
  const of = (kind) => objects.filter((object) => object.kind === kind);
  const statefulSets = of('StatefulSet');
  const statefulSet = statefulSets[0];
  const podSpec = statefulSet?.spec?.template?.spec ?? {};
  const container = podSpec.containers?.find((candidate) => candidate.name === 'blink') ?? podSpec.containers?.[0];
  const settingsPath = container?.args?.[container.args.indexOf('--settings') + 1];
  const configMaps = of('ConfigMap');
  const settingsMount = container?.volumeMounts?.find((mount) => settingsPath?.startsWith(`${mount.mountPath}/`));
  const settingsVolume = podSpec.volumes?.find((volume) => volume.name === settingsMount?.name);
  const settingsConfigMap = configMaps.find((configMap) => configMap.metadata.name === settingsVolume?.configMap?.name);
  return {
    objects,
    of,
    statefulSets,
    statefulSet,
    podSpec,
    podLabels: statefulSet?.spec?.template?.metadata?.labels ?? {},
    container,
    settingsPath,
    settingsText: settingsConfigMap?.data?.[settingsPath?.split('/').at(-1)],
    services: of('Service'),
  };
}

/**
 * Cross-checks of one rendered scenario. `settings` is the rendered settings.yaml parsed,
 * `config` what the broker's loader made of it (null if the broker could not load it),
 * `values` the chart's values merged with the scenario's, `alerts` config/prometheus/alerts.yml,
 * `dashboard` the text of deploy/grafana/blink.json.
 */
export function checkPromises(parts, { settings, config, values, alerts, dashboard }) {
  const expect = Report.problems();
  const { statefulSet, podSpec, container, podLabels, services, of } = parts;
  expect(parts.statefulSets.length === 1, `expected one StatefulSet, found ${parts.statefulSets.length}`);
  if (!statefulSet || !container) {
    expect.done();
    throw new Error('no StatefulSet with a blink container');
  }
  expect(statefulSet.spec.replicas === 1, `StatefulSet replicas ${statefulSet.spec.replicas}, expected 1`);
  expect(matches(statefulSet.spec.selector.matchLabels, podLabels), 'StatefulSet selector does not match its pod labels');
  expect(parts.settingsText !== undefined, `no ConfigMap key behind --settings ${parts.settingsPath}`);
  expect(/^[0-9a-f]{64}$/.test(statefulSet.spec.template.metadata.annotations?.['checksum/settings'] ?? ''), 'pod template lacks the checksum/settings annotation');
  expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds > 10, 'terminationGracePeriodSeconds must exceed the broker\'s 10 s shutdown');

  // Ports: settings <-> containerPorts <-> Services (port = targetPort, since Metadata
  // advertises the port the client connected to).
  const containerPorts = new Map((container.ports ?? []).map((port) => [port.name, port.containerPort]));
  const kafkaPorts = [...containerPorts].filter(([name]) => name.startsWith('kafka')).map(([, port]) => port);
  expect(JSON.stringify(kafkaPorts) === JSON.stringify(settings.broker_ports), `Kafka containerPorts ${kafkaPorts} differ from broker_ports ${settings.broker_ports}`);
  expect(containerPorts.get('http') === settings.rest_port, `containerPort http ${containerPorts.get('http')} differs from rest_port ${settings.rest_port}`);
  for (const service of services) {
    expect(matches(service.spec.selector, podLabels), `${describe(service)}: selector does not match the broker pod`);
    for (const port of service.spec.ports) {
      const target = typeof port.targetPort === 'string' ? containerPorts.get(port.targetPort) : port.targetPort ?? port.port;
      expect(target === port.port, `${describe(service)}: port ${port.port} goes to container port ${target}; they must be equal`);
    }
    if (service.spec.type === 'LoadBalancer' || service.spec.type === 'NodePort') {
      expect(!service.spec.ports.some((port) => port.port === settings.rest_port), `${describe(service)} exposes the REST port outside the cluster`);
    }
  }
  const headless = services.find((service) => service.metadata.name === statefulSet.spec.serviceName);
  expect(headless?.spec.clusterIP === 'None', `serviceName ${statefulSet.spec.serviceName} is not a headless Service of the chart`);
  const main = services.find((service) => service.spec.type === 'ClusterIP' && service.spec.clusterIP !== 'None');
  expect(main, 'no ClusterIP Service for clients');
  for (const object of of('Pod')) {
    for (const service of services) expect(!matches(service.spec.selector, object.metadata.labels), `${describe(service)} also selects the pod ${describe(object)}`);
  }

  // Advertised host name: what in-cluster clients (or the external DNS name) resolve.
  const domain = values.clusterDomain;
  const namespace = statefulSet.metadata.namespace ?? NAMESPACE;
  const expectedHost =
    values.kafka.advertisedHostname ||
    (values.kafka.advertise === 'pod'
      ? `${statefulSet.metadata.name}-0.${statefulSet.spec.serviceName}.${namespace}.svc.${domain}`
      : `${main?.metadata.name}.${namespace}.svc.${domain}`);
  expect(settings.advertised_hostname === expectedHost, `advertised_hostname ${settings.advertised_hostname}, expected ${expectedHost}`);
  expect(settings.kafka_hostname === '0.0.0.0', `kafka_hostname ${settings.kafka_hostname}: the pod must listen on its pod IP`);

  // Probes on the REST port.
  const probePath = (probe) => probe?.httpGet && (probe.httpGet.port === 'http' || probe.httpGet.port === settings.rest_port) ? probe.httpGet.path : null;
  expect(probePath(container.livenessProbe) === '/health/live', 'livenessProbe must GET /health/live on the REST port');
  expect(probePath(container.readinessProbe) === '/health/ready', 'readinessProbe must GET /health/ready on the REST port');
  expect(['/health/ready', '/health/live'].includes(probePath(container.startupProbe)), 'startupProbe must GET /health/ready or /health/live on the REST port');

  // Restricted Pod Security Standard.
  const pod = podSpec.securityContext ?? {};
  const own = container.securityContext ?? {};
  expect((own.runAsNonRoot ?? pod.runAsNonRoot) === true, 'runAsNonRoot is not true');
  expect((own.runAsUser ?? pod.runAsUser) !== 0, 'runAsUser is 0');
  expect(own.allowPrivilegeEscalation === false, 'allowPrivilegeEscalation is not false');
  expect(own.readOnlyRootFilesystem === true, 'readOnlyRootFilesystem is not true');
  expect(own.capabilities?.drop?.includes('ALL'), 'capabilities do not drop ALL');
  expect(!own.capabilities?.add?.length, 'capabilities are added');
  expect(own.privileged !== true, 'the container is privileged');
  expect((own.seccompProfile ?? pod.seccompProfile)?.type === 'RuntimeDefault', 'seccompProfile is not RuntimeDefault');
  expect(!podSpec.hostNetwork && !podSpec.hostPID && !podSpec.hostIPC, 'the pod shares a host namespace');
  expect(podSpec.automountServiceAccountToken === false, 'a service account token is mounted');

  // Storage: a PersistentVolumeClaim in durable mode, an emptyDir otherwise.
  const durable = settings.storage_mode === 'durable';
  const dataMount = container.volumeMounts.find((mount) => settings.record_storage_path.startsWith(`${mount.mountPath.replace(/\/$/, '')}/`));
  expect(dataMount, `record_storage_path ${settings.record_storage_path} is not on a mounted volume (it would hit the read-only root)`);
  const claims = statefulSet.spec.volumeClaimTemplates ?? [];
  const podVolume = podSpec.volumes.find((volume) => volume.name === dataMount?.name);
  if (durable) {
    expect(claims.some((claim) => claim.metadata.name === dataMount?.name), 'durable mode: the WAL volume is not a volumeClaimTemplate');
    expect(!podVolume, 'durable mode: the WAL volume is also a pod volume');
  } else {
    expect(claims.length === 0, 'memory mode: a PersistentVolumeClaim is rendered');
    expect(podVolume?.emptyDir, 'memory mode: the WAL volume is not an emptyDir');
  }
  for (const mount of container.volumeMounts) {
    expect(mount.name === dataMount?.name || mount.readOnly || podSpec.volumes.find((volume) => volume.name === mount.name)?.emptyDir, `${mount.mountPath} is a writable mount that is neither the WAL nor an emptyDir`);
  }

  // Memory tied to max_memory (2-4x), as the broker itself reads max_memory.
  if (config) {
    for (const [kind, quantity] of [['request', container.resources?.requests?.memory], ['limit', container.resources?.limits?.memory]]) {
      if (values.resources.memory[kind]) continue;
      const ratio = quantityBytes(quantity) / config.maxMemoryBytes;
      const factor = values.resources.memory[`${kind}Factor`];
      expect(Math.abs(ratio - factor) < 0.01 && ratio >= 2 && ratio <= 4, `memory ${kind} ${quantity} is ${ratio.toFixed(2)}x max_memory, expected ${factor}x (2-4x)`);
    }
  }

  // Optional objects: present exactly when enabled, and pointed at the right things.
  const enabled = {
    ServiceMonitor: values.serviceMonitor.enabled,
    PrometheusRule: values.prometheusRule.enabled,
    PodDisruptionBudget: values.podDisruptionBudget.enabled,
    NetworkPolicy: values.networkPolicy.enabled,
  };
  for (const [kind, wanted] of Object.entries(enabled)) {
    expect(of(kind).length === (wanted ? 1 : 0), `${kind}: ${of(kind).length} rendered, ${wanted ? 'enabled' : 'disabled'}`);
  }
  for (const monitor of of('ServiceMonitor')) {
    const selected = services.filter((service) => matches(monitor.spec.selector.matchLabels, service.metadata.labels));
    expect(selected.length === 1 && selected[0] === main, `${describe(monitor)} selects ${selected.map(describe).join(', ') || 'nothing'}, expected only the ClusterIP Service`);
    for (const endpoint of monitor.spec.endpoints) {
      expect(endpoint.path === '/prometheus' && main?.spec.ports.some((port) => port.name === endpoint.port), `${describe(monitor)}: endpoint must scrape /prometheus on the http port`);
    }
  }
  const dashboards = of('ConfigMap').filter((configMap) => configMap.metadata.labels?.[values.grafanaDashboard.label] === values.grafanaDashboard.labelValue);
  expect(dashboards.length === (values.grafanaDashboard.enabled ? 1 : 0), `Grafana dashboard ConfigMap: ${dashboards.length} rendered, ${values.grafanaDashboard.enabled ? 'enabled' : 'disabled'}`);
  for (const configMap of dashboards) {
    expect(configMap.data?.['blink.json'] === dashboard.replace(/\n$/, ''), `${describe(configMap)}: blink.json differs from deploy/grafana/blink.json (copy it to helm/blink/files/blink.json)`);
  }
  for (const rule of of('PrometheusRule')) {
    expect(canonical(rule.spec) === canonical(alerts), `${describe(rule)} differs from config/prometheus/alerts.yml (copy it to helm/blink/files/alerts.yml)`);
  }
  for (const budget of of('PodDisruptionBudget')) {
    expect(matches(budget.spec.selector.matchLabels, podLabels), `${describe(budget)} does not select the broker pod`);
  }
  for (const policy of of('NetworkPolicy')) {
    expect(matches(policy.spec.podSelector.matchLabels, podLabels), `${describe(policy)} does not select the broker pod`);
    for (const rule of policy.spec.ingress ?? []) {
      expect(rule.from?.length > 0, `${describe(policy)}: an ingress rule without "from" admits everyone`);
    }
  }
  expect.done();
}

/** Settings the chart points at files of mounted Secrets. */
export const SECRET_PATH_SETTINGS = ['ssl_cert_file', 'ssl_key_file', 'ssl_ca_file', 'sasl_users_dir'];

/**
 * The Secret volume mounted where a settings path lies: { mount, volume, relative } (relative:
 * the path inside the mount, '' for the mount itself), or undefined.
 */
export function secretMountOf(parts, path) {
  const mount = (parts.container.volumeMounts ?? []).find((candidate) => path === candidate.mountPath || path.startsWith(`${candidate.mountPath.replace(/\/$/, '')}/`));
  const volume = parts.podSpec.volumes?.find((candidate) => candidate.name === mount?.name);
  if (!mount || !volume?.secret) return undefined;
  return { mount, volume, relative: path.slice(mount.mountPath.replace(/\/$/, '').length + 1) };
}

/**
 * The security promises of one rendered scenario: listeners on exactly kafka.ports with their
 * protocols, certificate and users files on read-only Secret mounts (the Certificate's Secret
 * when cert-manager issues it, covering the advertised host), HTTPS probes with rest_ssl_enabled.
 */
export function checkSecurityPromises(parts, { settings, values }) {
  const expect = Report.problems();
  const protocols = values.kafka.securityProtocols ?? {};
  const secured = values.kafka.ports.some((port) => (protocols[String(port)] ?? 'PLAINTEXT') !== 'PLAINTEXT');
  if (secured) {
    const listeners = String(settings.listeners ?? '').split(',');
    const ports = listeners.map((listener) => Number(/:(\d+)$/.exec(listener)?.[1]));
    expect(JSON.stringify(ports) === JSON.stringify(values.kafka.ports), `listeners ${settings.listeners} do not bind exactly kafka.ports ${values.kafka.ports}`);
    for (const port of values.kafka.ports) {
      const name = /^(\w+):\/\//.exec(listeners[values.kafka.ports.indexOf(port)] ?? '')?.[1];
      const mapped = new RegExp(`(^|,)${name}:(\\w+)`).exec(settings.listener_security_protocol_map ?? '')?.[2];
      expect(mapped === (protocols[String(port)] ?? 'PLAINTEXT'), `port ${port}: listener ${name} maps to ${mapped}, values say ${protocols[String(port)] ?? 'PLAINTEXT'}`);
    }
  } else {
    expect(settings.listeners === undefined, 'every port is PLAINTEXT, yet listeners is rendered (broker_ports alone keeps the default rendering)');
  }
  for (const key of SECRET_PATH_SETTINGS.filter((candidate) => settings[candidate])) {
    const found = secretMountOf(parts, settings[key]);
    expect(found, `${key} ${settings[key]} is not on a mounted Secret`);
    expect(!found || found.mount.readOnly, `${key}: the Secret mount ${found?.mount.mountPath} is writable`);
  }
  const certificates = parts.of('Certificate');
  expect(certificates.length === (values.tls.enabled && values.tls.certManager.enabled ? 1 : 0), `Certificate: ${certificates.length} rendered`);
  for (const certificate of certificates) {
    const tlsSecret = settings.ssl_cert_file && secretMountOf(parts, settings.ssl_cert_file)?.volume.secret.secretName;
    expect(certificate.spec.secretName === tlsSecret, `Certificate fills ${certificate.spec.secretName}, the pod mounts ${tlsSecret}`);
    const names = [...(certificate.spec.dnsNames ?? []), ...(certificate.spec.ipAddresses ?? [])];
    expect(names.includes(settings.advertised_hostname), `Certificate does not name the advertised host ${settings.advertised_hostname}`);
  }
  const scheme = settings.rest_ssl_enabled ? 'HTTPS' : undefined;
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    expect(parts.container[probe]?.httpGet?.scheme === scheme, `${probe} scheme ${parts.container[probe]?.httpGet?.scheme}, expected ${scheme ?? 'none (HTTP)'}`);
  }
  expect.done();
}

/** JSON with object keys sorted (helm's toYaml sorts them; a YAML file need not). */
function canonical(value) {
  return JSON.stringify(value, (_, item) =>
    isMap(item) ? Object.fromEntries(Object.keys(item).sort().map((key) => [key, item[key]])) : item,
  );
}

/** The chart's values.yaml merged with a scenario's values file (maps merge, the rest replaces). */
export function mergeValues(base, override) {
  if (override === undefined) return base;
  if (!isMap(base) || !isMap(override)) return override;
  const merged = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeValues(base[key], value);
  }
  return merged;
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function readYaml(tools, path) {
  return tools.yaml.parse(readFileSync(path, 'utf8'));
}
