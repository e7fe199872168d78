import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlinkConfig } from '../../../src/config/settings.js';
import { acceptsHtml } from '../../../src/admin/dashboard/accepts-html.js';
import { AdminTokenCheck } from '../../../src/admin/http/admin-token.js';
import { crossSiteRefererProblem, type RequestSignals } from '../../../src/admin/http/referer-check.js';
import { HttpRouteTable } from '../../../src/admin/http/route-table.js';

const check = (adminToken: string | null) => new AdminTokenCheck({ adminToken } as BlinkConfig);

describe('admin token check', () => {
  it('lets everything through when no token is configured', () => {
    assert.equal(check(null).required, false);
    assert.equal(check(null).allows('/api/v1/topics', undefined), true);
  });

  it('needs the exact bearer token on every route but the probes and /prometheus', () => {
    const token = check('s3cret');
    assert.equal(token.required, true);
    assert.equal(token.allows('/api/v1/topics', 'Bearer s3cret'), true);
    assert.equal(token.allows('/api/v1/topics', 'bearer s3cret'), true, 'the scheme is case-insensitive (RFC 7235)');
    for (const header of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', 's3cret', 'Bearer s3cret extra']) {
      assert.equal(token.allows('/api/v1/topics', header), false, String(header));
    }
    for (const route of ['/health', '/health/live', '/health/ready', '/prometheus']) assert.equal(token.allows(route, undefined), true, route);
    assert.equal(token.allows(undefined, undefined), false, 'an unmatched route (404) needs the token too');
  });
});

describe('GET / content negotiation', () => {
  it('gives browsers the page and everything else JSON', () => {
    assert.equal(acceptsHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), true);
    assert.equal(acceptsHtml('*/*'), false);
    assert.equal(acceptsHtml(undefined), false);
    assert.equal(acceptsHtml('application/json'), false);
    assert.equal(acceptsHtml('text/html;q=0, application/json'), false);
  });
});

describe('HTTP route table', () => {
  it('keeps each method and pattern once, without the implicit HEAD routes', () => {
    const table = new HttpRouteTable();
    table.record(['GET', 'HEAD'], '/b');
    table.record('POST', '/a');
    table.record('GET', '/b');
    assert.deepEqual(table.list(), [{ method: 'POST', url: '/a' }, { method: 'GET', url: '/b' }]);
  });
});

describe('Referer check (browsers without Origin)', () => {
  const request = (overrides: Partial<RequestSignals>): RequestSignals => ({ method: 'POST', host: 'localhost:3000', origin: undefined, secFetchSite: undefined, referer: undefined, ...overrides });

  it('refuses a state change whose only browser signal is a cross-site Referer', () => {
    assert.match(crossSiteRefererProblem(request({ referer: 'http://evil.example/page' })) ?? '', /Referer evil\.example is not this host/);
    assert.match(crossSiteRefererProblem(request({ method: 'DELETE', referer: 'not a url' })) ?? '', /not a URL/);
  });

  it('lets through same-host Referers, safe methods, tools without Referer, and what Origin/Sec-Fetch-Site already judged', () => {
    assert.equal(crossSiteRefererProblem(request({ referer: 'http://LOCALHOST:3000/dashboard' })), null);
    assert.equal(crossSiteRefererProblem(request({ method: 'GET', referer: 'http://evil.example/' })), null);
    assert.equal(crossSiteRefererProblem(request({})), null);
    assert.equal(crossSiteRefererProblem(request({ origin: 'http://localhost:3000', referer: 'http://evil.example/' })), null);
    assert.equal(crossSiteRefererProblem(request({ secFetchSite: 'same-origin', referer: 'http://evil.example/' })), null);
  });
});
