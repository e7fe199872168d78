import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { describe, it } from 'node:test';
import { DASHBOARD_ASSET_NAMES, dashboardAsset } from '../../../src/admin/dashboard/dashboard-assets.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../../src/admin/dashboard/dashboard-page.js';

describe('the dashboard page and its files', () => {
  it('the script is valid JavaScript (it runs in the browser without a build step)', () => {
    assert.doesNotThrow(() => new Script(dashboardAsset('app.js').body, { filename: 'app.js' }));
    assert.doesNotThrow(() => new Script(dashboardAsset('uplot.js').body, { filename: 'uplot.js' }));
  });

  it('the page loads exactly the files the broker serves, and nothing inline', () => {
    const loaded = [...DASHBOARD_HTML.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(loaded, [...DASHBOARD_ASSET_NAMES].sort());
    assert.doesNotMatch(DASHBOARD_HTML, /<script>|<style>| style="|https?:\/\//);
    assert.match(DASHBOARD_CSP, /script-src 'self';/);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
  });

  it('every element the script looks up by id is on the page', () => {
    const ids = new Set([...DASHBOARD_HTML.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    const wanted = new Set([...dashboardAsset('app.js').body.matchAll(/\$\('([^']+)'\)/g)].map((m) => m[1]));
    assert.ok(wanted.size > 30, `${wanted.size} ids`);
    assert.deepEqual([...wanted].filter((id) => !ids.has(id)), []);
  });

  it('each file carries a strong ETag of its content and a content type', () => {
    const uplot = dashboardAsset('uplot.css');
    assert.match(uplot.etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(dashboardAsset('uplot.css'), uplot, 'read once');
    assert.equal(dashboardAsset('app.css').contentType, 'text/css; charset=utf-8');
    assert.notEqual(dashboardAsset('app.js').etag, dashboardAsset('uplot.js').etag);
  });
});
