/**
 * The Grafana dashboard deploy/grafana/blink.json: a dashboard Grafana can load (uid, title,
 * schemaVersion, a Prometheus data-source variable, unique panel ids inside the 24-column
 * grid), every query parsed with Prometheus' own PromQL grammar once Grafana's variables are
 * substituted, the metrics it names (checked against the running broker by run.mjs), the
 * Helm chart's copy, and the compose provisioning files. test/e2e/grafana-dashboard.test.ts
 * goes further: every query evaluated by promtool over a real broker's series.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promqlMetrics } from './prometheus.mjs';
import { Report } from './report.mjs';

/** What Grafana puts in place of its variables, for parsing. */
const VARIABLES = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$(instance|topic|group)\b/g, '.*'],
];

export function dashboardQueries(dashboard) {
  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
}

export function substituteVariables(expr) {
  return VARIABLES.reduce((text, [pattern, value]) => text.replace(pattern, value), expr);
}

export function checkDashboard(tools, repoRoot) {
  const expect = Report.problems();
  const text = readFileSync(join(repoRoot, 'deploy/grafana/blink.json'), 'utf8');
  const dashboard = JSON.parse(text);
  expect(typeof dashboard.uid === 'string' && dashboard.uid.length <= 40, 'uid: a string of at most 40 characters');
  expect(typeof dashboard.title === 'string' && Number.isInteger(dashboard.schemaVersion), 'title and schemaVersion are required');
  const variables = dashboard.templating?.list ?? [];
  expect(variables.some((v) => v.type === 'datasource' && v.query === 'prometheus' && v.name === 'datasource'), 'no Prometheus data-source variable named "datasource"');
  const ids = new Set();
  for (const panel of (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])])) {
    expect(!ids.has(panel.id), `panel id ${panel.id} (${panel.title}) is used twice`);
    ids.add(panel.id);
    const grid = panel.gridPos ?? {};
    expect(grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24 && grid.h > 0 && grid.y >= 0, `${panel.title}: gridPos ${JSON.stringify(grid)} is outside the 24-column grid`);
    if (panel.type !== 'row') expect(panel.datasource?.uid === '${datasource}', `${panel.title}: datasource must be the \${datasource} variable`);
  }
  const metrics = new Set();
  const queries = dashboardQueries(dashboard);
  expect(queries.length > 0, 'no queries');
  for (const { panel, expr } of queries) {
    const parsed = promqlMetrics(tools, substituteVariables(expr));
    for (const error of parsed.errors) expect(false, `${panel}: ${error}`);
    for (const metric of parsed.metrics) metrics.add(metric);
  }
  const helmCopy = readFileSync(join(repoRoot, 'helm/blink/files/blink.json'), 'utf8');
  expect(helmCopy === text, 'helm/blink/files/blink.json is not a copy of deploy/grafana/blink.json');
  for (const file of ['deploy/grafana/provisioning/datasources/prometheus.yml', 'deploy/grafana/provisioning/dashboards/blink.yml']) {
    expect(existsSync(join(repoRoot, file)), `${file} is missing`);
  }
  expect.done();
  return { metrics: [...metrics], summary: `${queries.length} queries in ${ids.size} panels` };
}
