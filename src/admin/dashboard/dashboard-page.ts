/**
 * The live dashboard a browser gets at `GET /`: one self-contained page (inline CSS and
 * script, no build step, no third-party code) that polls `/api/v1/overview` every
 * POLL_INTERVAL_MS and redraws topics and partitions with their offsets, produce/fetch
 * rates (from two consecutive readings of the counters), memory against max_memory, the
 * WAL tier, consumer groups with lag and plugin status.
 *
 * With `admin_token` set, the page asks for the token once, keeps it in sessionStorage and
 * sends it as a bearer token; the page itself holds no data. Every value is written with
 * textContent, never as HTML. The inline script and style are allowed by their SHA-256
 * hashes in the page's own Content-Security-Policy (`DASHBOARD_CSP`), nothing else inline.
 */
import { createHash } from 'node:crypto';

const POLL_INTERVAL_MS = 1_000;

const STYLE = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --bar: #3b82f6; --warn: #f59e0b; --bad: #ef4444; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding: .75rem 0; }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .75rem; margin-top: 1rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.card b { display: block; font-size: 1.3rem; }
.meter { height: .5rem; background: var(--line); border-radius: .25rem; overflow: hidden; margin-top: .4rem; }
.meter > div { height: 100%; background: var(--bar); width: 0; }
.meter.warn > div { background: var(--warn); }
.meter.bad > div { background: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .6rem .25rem 0; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { font-weight: 600; }
.num { text-align: right; }
#status.error { color: var(--bad); }
form { margin-top: 1rem; display: flex; gap: .5rem; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
(() => {
  'use strict';
  const POLL_MS = ${POLL_INTERVAL_MS};
  const TOKEN_KEY = 'blink-admin-token';
  const $ = (id) => document.getElementById(id);
  let previous = null;

  const fmtBytes = (n) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
  };
  const fmtRate = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1)) + '/s';
  const fmtUptime = (ms) => {
    const s = Math.floor(ms / 1000);
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm ' + (s % 60) + 's';
  };
  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = String(text);
    if (className) td.className = className;
    return td;
  };
  const fill = (tbodyId, rows, emptyText, columns) => {
    const body = $(tbodyId);
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(emptyText, 'muted');
      td.colSpan = columns;
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const row of rows) body.append(row);
  };
  const meter = (id, ratio) => {
    const el = $(id);
    el.firstElementChild.style.width = Math.min(100, Math.max(0, ratio * 100)).toFixed(1) + '%';
    el.classList.toggle('warn', ratio >= 0.8 && ratio < 0.95);
    el.classList.toggle('bad', ratio >= 0.95);
  };

  const rate = (now, key) => {
    if (previous === null) return 0;
    const seconds = (now.sampledAtMs - previous.sampledAtMs) / 1000;
    return seconds > 0 ? Math.max(0, now.counters[key] - previous.counters[key]) / seconds : 0;
  };

  const render = (o) => {
    $('version').textContent = 'v' + o.broker.version + ' · node ' + o.broker.nodeId + ' · ' + o.broker.storageMode + ' mode · storage ' + o.broker.storage;
    $('uptime').textContent = 'up ' + fmtUptime(o.broker.uptimeMs);
    $('produce-rate').textContent = fmtRate(rate(o, 'produceRequests'));
    $('fetch-rate').textContent = fmtRate(rate(o, 'fetchRequests'));
    $('records-rate').textContent = fmtRate(rate(o, 'producedRecords'));
    $('totals').textContent = o.counters.produceRequests + ' produce · ' + o.counters.fetchRequests + ' fetch · ' + o.counters.connections + ' connections';
    $('memory').textContent = fmtBytes(o.memory.storedBytes) + ' of ' + fmtBytes(o.memory.maxMemoryBytes);
    $('memory-detail').textContent = (o.memory.usedRatio * 100).toFixed(1) + '% of max_memory · offload above ' + fmtBytes(o.memory.highWaterBytes) + ' · RSS ' + fmtBytes(o.memory.rssBytes);
    meter('memory-meter', o.memory.usedRatio);
    $('wal').textContent = fmtBytes(o.wal.diskBytes);
    $('wal-detail').textContent = o.wal.batchesOnDisk + ' batches on disk · ' + o.wal.offloadedBatches + ' only on disk · ' + o.counters.offloadOperations + ' offloads';

    const topicRows = [];
    for (const topic of o.topics) {
      for (const p of topic.partitions) {
        const tr = document.createElement('tr');
        tr.dataset.topic = topic.name;
        tr.dataset.partition = String(p.partition);
        tr.append(cell(topic.name, 'topic'), cell(p.partition, 'num partition'), cell(p.logStartOffset, 'num start'), cell(p.highWatermark, 'num hw'),
          cell(p.highWatermark - p.logStartOffset, 'num records'), cell(fmtBytes(p.memoryBytes), 'num'), cell(fmtBytes(p.walBytes), 'num'));
        topicRows.push(tr);
      }
    }
    fill('topics', topicRows, 'No topics yet', 7);
    $('topics-omitted').textContent = o.topicsOmitted > 0 ? o.topicsOmitted + ' more topics not shown' : '';

    fill('groups', o.groups.map((g) => {
      const tr = document.createElement('tr');
      tr.dataset.group = g.groupId;
      tr.append(cell(g.groupId), cell(g.state), cell(g.members, 'num'), cell(g.totalLag === null ? '-' : g.totalLag, 'num lag'));
      return tr;
    }), 'No consumer groups', 4);

    fill('plugins', o.plugins.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.plugin = p.name;
      tr.append(cell(p.name), cell(p.status, 'status'), cell(p.calls, 'num'), cell(p.refusedRecords, 'num'), cell(p.errors, 'num'), cell(p.lastError || ''));
      return tr;
    }), 'No plugins configured', 6);
    previous = o;
  };

  const setStatus = (text, isError) => {
    $('status').textContent = text;
    $('status').classList.toggle('error', isError);
  };

  const askForToken = (message) => {
    $('login').hidden = false;
    setStatus(message, true);
  };

  const poll = async () => {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    try {
      const response = await fetch('/api/v1/overview', { headers, cache: 'no-store' });
      if (response.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        askForToken(token ? 'The token was refused.' : 'This broker asks for its admin token.');
        return;
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      render(await response.json());
      $('login').hidden = true;
      setStatus('Updated ' + new Date().toLocaleTimeString(), false);
    } catch (error) {
      setStatus('Cannot reach the broker: ' + error.message, true);
    }
    setTimeout(poll, POLL_MS);
  };

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    poll();
  });
  poll();
})();
`;

const BODY = `
<header>
  <h1>Blink</h1>
  <span id="version" class="muted"></span>
  <span id="uptime" class="muted"></span>
  <span id="status" class="muted">Loading…</span>
</header>
<form id="login" hidden>
  <label for="token">Admin token</label>
  <input id="token" type="password" autocomplete="off" required>
  <button type="submit">Open</button>
</form>
<section class="cards">
  <div class="card">Produce requests<b id="produce-rate">-</b><span id="totals" class="muted"></span></div>
  <div class="card">Fetch requests<b id="fetch-rate">-</b></div>
  <div class="card">Records produced<b id="records-rate">-</b></div>
  <div class="card">Memory tier<b id="memory">-</b><div id="memory-meter" class="meter"><div></div></div><span id="memory-detail" class="muted"></span></div>
  <div class="card">WAL tier<b id="wal">-</b><span id="wal-detail" class="muted"></span></div>
</section>
<h2>Topics</h2>
<table>
  <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Log start</th><th class="num">High watermark</th><th class="num">Records</th><th class="num">Memory</th><th class="num">WAL</th></tr></thead>
  <tbody id="topics"></tbody>
</table>
<p id="topics-omitted" class="muted"></p>
<h2>Consumer groups</h2>
<table>
  <thead><tr><th>Group</th><th>State</th><th class="num">Members</th><th class="num">Lag</th></tr></thead>
  <tbody id="groups"></tbody>
</table>
<h2>Plugins</h2>
<table>
  <thead><tr><th>Plugin</th><th>Status</th><th class="num">Calls</th><th class="num">Refused records</th><th class="num">Errors</th><th>Last error</th></tr></thead>
  <tbody id="plugins"></tbody>
</table>
<p class="muted">API: <a href="/docs">/docs</a> · metrics: <a href="/prometheus">/prometheus</a></p>
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Blink</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only this page's own script and style run; it talks only to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
