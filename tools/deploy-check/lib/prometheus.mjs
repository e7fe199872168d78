/**
 * Prometheus files: config/prometheus/alerts.yml (rule structure, every expression parsed
 * with Prometheus' own PromQL grammar, the metrics it names against what the running broker
 * exports) and config/prometheus/prometheus.yml (scrapes /prometheus, loads the rules).
 * promtool, when on PATH, checks the rules too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report } from './report.mjs';
import { run } from './proc.mjs';

const RULE_KEYS = new Set(['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** Metric names of a PromQL expression (vector selectors), or the parse errors. */
export function promqlMetrics(tools, expression) {
  const tree = tools.promql.parser.parse(expression);
  const errors = [];
  const metrics = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`parse error at ${node.from} in: ${expression}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') metrics.push(expression.slice(node.from, node.to));
    },
  });
  return { errors, metrics };
}

export function checkAlertRules(tools, repoRoot) {
  const expect = Report.problems();
  const alerts = tools.yaml.parse(readFileSync(join(repoRoot, 'config/prometheus/alerts.yml'), 'utf8'));
  const rules = (alerts?.groups ?? []).flatMap((group) => group.rules ?? []);
  expect(rules.length >= 3, 'expected at least the seed\'s three alert rules');
  const metrics = new Set();
  for (const rule of rules) {
    const name = rule.alert ?? '(unnamed)';
    expect(typeof rule.alert === 'string' && typeof rule.expr === 'string', `${name}: alert and expr are required`);
    for (const key of Object.keys(rule)) expect(RULE_KEYS.has(key), `${name}: unknown key ${key}`);
    if (rule.for !== undefined) expect(DURATION.test(rule.for), `${name}: for ${rule.for} is not a duration`);
    expect(typeof rule.annotations?.summary === 'string', `${name}: no summary annotation`);
    const parsed = promqlMetrics(tools, String(rule.expr ?? ''));
    for (const error of parsed.errors) expect(false, `${name}: ${error}`);
    for (const metric of parsed.metrics) metrics.add(metric);
  }
  for (const seed of ['BlinkMemoryPressure', 'BlinkHighLatency', 'BlinkWALActivity']) {
    expect(rules.some((rule) => rule.alert === seed), `the seed's ${seed} rule is missing`);
  }
  const latency = rules.find((rule) => rule.alert === 'BlinkHighLatency');
  expect(!latency || /blink_produce_duration_bucket/.test(latency.expr) && /> *10000\b/.test(latency.expr), 'BlinkHighLatency must compare blink_produce_duration (microseconds) with 10000 (10 ms)');
  const helmCopy = readFileSync(join(repoRoot, 'helm/blink/files/alerts.yml'), 'utf8');
  expect(helmCopy === readFileSync(join(repoRoot, 'config/prometheus/alerts.yml'), 'utf8'), 'helm/blink/files/alerts.yml is not a copy of config/prometheus/alerts.yml');
  expect.done();
  return { alerts, metrics: [...metrics] };
}

export function checkPrometheusConfig(tools, repoRoot, { restPort }) {
  const expect = Report.problems();
  const config = tools.yaml.parse(readFileSync(join(repoRoot, 'config/prometheus/prometheus.yml'), 'utf8'));
  const job = config?.scrape_configs?.find((candidate) => candidate.job_name === 'blink');
  expect(job, 'no scrape job named "blink" (the alert rules select job="blink")');
  expect(job?.metrics_path === '/prometheus', 'the blink job must scrape metrics_path /prometheus');
  const targets = job?.static_configs?.flatMap((group) => group.targets) ?? [];
  expect(targets.some((target) => target.endsWith(`:${restPort}`)), `no target on the REST port ${restPort}`);
  expect(config?.rule_files?.some((file) => file.endsWith('alerts.yml')), 'rule_files does not load alerts.yml');
  expect.done();
}

/**
 * promtool check config + rules, if this machine has promtool (Debian: apt-get install
 * prometheus). The config names the rules by their path in the container, so a copy of it
 * points at the repository's file. Resolves null when promtool is missing.
 */
export async function promtoolCheck(repoRoot) {
  const version = await run('promtool', ['--version'], { timeoutMs: 10_000 }).catch(() => null);
  if (version === null) return null;
  const dir = mkdtempSync(join(tmpdir(), 'blink-promtool-'));
  try {
    const alerts = join(repoRoot, 'config/prometheus/alerts.yml');
    const config = readFileSync(join(repoRoot, 'config/prometheus/prometheus.yml'), 'utf8').replace('/etc/prometheus/alerts.yml', alerts);
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const result = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { timeoutMs: 20_000 });
    if (result.code !== 0) throw new Error(`${result.stdout}${result.stderr}`.trim());
    return `${/version (\S+)/.exec(version.stdout)?.[1] ?? ''}: ${result.stdout.trim().split('\n').at(-1).trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Metric families in a Prometheus text exposition (histograms add _bucket/_sum/_count). */
export function exportedMetrics(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!match) continue;
    names.add(match[1]);
    if (match[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(match[1] + suffix);
  }
  return names;
}
