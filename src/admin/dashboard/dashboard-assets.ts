/**
 * The files the dashboard page loads from its own origin (no CDN): its script and style
 * (dashboard-script.ts, dashboard-style.ts) and uPlot (MIT, ~50 KB minified, no
 * dependencies), read once from node_modules on first use. Each answer carries a strong
 * ETag and `cache-control: no-cache`, so a browser revalidates and gets 304 until the broker
 * is upgraded. None of them holds data: they are served without the admin token.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';
import { DASHBOARD_STYLE } from './dashboard-style.js';

export const DASHBOARD_ASSET_NAMES = ['app.js', 'app.css', 'uplot.js', 'uplot.css'] as const;
export type DashboardAssetName = (typeof DASHBOARD_ASSET_NAMES)[number];

export interface DashboardAsset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const require = createRequire(import.meta.url);

const SOURCES: Readonly<Record<DashboardAssetName, () => { body: string; contentType: string }>> = {
  'app.js': () => ({ body: DASHBOARD_SCRIPT, contentType: JS }),
  'app.css': () => ({ body: DASHBOARD_STYLE, contentType: CSS }),
  'uplot.js': () => ({ body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), contentType: JS }),
  'uplot.css': () => ({ body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), contentType: CSS }),
};

const loaded = new Map<DashboardAssetName, DashboardAsset>();

export function dashboardAsset(name: DashboardAssetName): DashboardAsset {
  let asset = loaded.get(name);
  if (asset === undefined) {
    const { body, contentType } = SOURCES[name]();
    asset = { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    loaded.set(name, asset);
  }
  return asset;
}
