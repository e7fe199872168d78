/**
 * The live dashboard a browser gets at `GET /`: a small HTML page whose script and style
 * come from the broker itself (/dashboard/app.js, /dashboard/app.css, and uPlot for the
 * charts: dashboard-assets.ts), no third-party origin and no build step. What the script
 * does is described in dashboard-script.ts.
 *
 * The page holds no data (it reads the REST API), so it is served to a browser without the
 * admin token too, which then asks for the token. Its Content-Security-Policy allows only
 * scripts and styles of its own origin, no inline code, and requests to its own origin.
 * This folder is the whole dashboard (page, script, style, assets and their route), so it can
 * be loaded on first use.
 */
import type { FastifyReply } from 'fastify';

const BODY = `
<header>
  <h1>Blink</h1>
  <span id="version" class="muted"></span>
  <span id="uptime" class="muted"></span>
  <span id="status" class="muted">Loading…</span>
  <nav><a href="#overview">Overview</a><a href="#charts">Charts</a><a href="#groups-section">Groups</a><a href="#browse">Topic browser</a></nav>
</header>
<form id="login" hidden>
  <label for="token">Admin token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Open</button>
</form>
<section id="overview" class="cards">
  <div class="card">Produce requests<b id="produce-rate">-</b><span id="totals" class="muted"></span></div>
  <div class="card">Fetch requests<b id="fetch-rate">-</b></div>
  <div class="card">Records produced<b id="records-rate">-</b></div>
  <div class="card">Memory tier<b id="memory">-</b><div id="memory-meter" class="meter"><div></div></div><span id="memory-detail" class="muted"></span></div>
  <div class="card">WAL tier<b id="wal">-</b><span id="wal-detail" class="muted"></span></div>
</section>
<h2 id="charts">Last minutes <span class="muted">(since this page was opened, up to 10 minutes)</span></h2>
<section class="charts">
  <div class="chart" data-chart="throughput"><h3>Produce and fetch per second</h3><div class="now"></div><div class="plot"></div></div>
  <div class="chart" data-chart="memory"><h3>Memory tier against max_memory</h3><div class="now"></div><div class="plot"></div></div>
  <div class="chart" data-chart="wal"><h3>WAL size</h3><div class="now"></div><div class="plot"></div></div>
  <div class="chart" data-chart="lag"><h3>Consumer lag per group (records)</h3><div class="now"></div><div class="plot"></div></div>
</section>
<h2>Topics</h2>
<table>
  <thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Log start</th><th class="num">High watermark</th><th class="num">Records</th><th class="num">Memory</th><th class="num">WAL</th><th></th></tr></thead>
  <tbody id="topics"></tbody>
</table>
<p id="topics-omitted" class="muted"></p>
<form id="create-topic">
  <label>New topic <input id="create-name" required pattern="[a-zA-Z0-9._\\-]{1,249}" placeholder="orders"></label>
  <label>Partitions <input id="create-partitions" type="number" min="1" max="10000" value="1" required></label>
  <label>retention.ms <input id="create-retention" type="number" min="-1" placeholder="broker default"></label>
  <button type="submit">Create topic</button>
  <span id="create-result" role="status"></span>
</form>
<h2 id="groups-section">Consumer groups</h2>
<table>
  <thead><tr><th>Group</th><th>State</th><th class="num">Members</th><th class="num">Lag</th><th></th></tr></thead>
  <tbody id="groups"></tbody>
</table>
<form id="reset-offsets">
  <label>Group <input id="reset-group" required placeholder="billing"></label>
  <label>Reset to <select id="reset-to"><option value="earliest">earliest</option><option value="latest">latest</option><option value="timestamp">a time</option></select></label>
  <label id="reset-time-field" hidden>Time <input id="reset-time" type="datetime-local" step="1"></label>
  <label>Topics <input id="reset-topics" placeholder="all committed"></label>
  <button type="submit">Reset offsets</button>
  <span id="reset-result" role="status"></span>
</form>
<p class="muted">Only an Empty group (no running consumer) can be reset, as with kafka-consumer-groups --reset-offsets.</p>
<h2>Plugins</h2>
<table>
  <thead><tr><th>Plugin</th><th>Status</th><th class="num">Calls</th><th class="num">Refused records</th><th class="num">Errors</th><th>Last error</th></tr></thead>
  <tbody id="plugins"></tbody>
</table>
<h2 id="browse">Topic browser</h2>
<form id="browse-form">
  <label>Topic <select id="browse-topic"></select></label>
  <label>Partition <select id="browse-partition"></select></label>
  <label>From <select id="browse-from"><option value="offset">an offset</option><option value="timestamp">a time</option><option value="end">the end</option></select></label>
  <label id="browse-offset-field">Offset <input id="browse-offset" type="number" min="0" value="0"></label>
  <label id="browse-time-field" hidden>Time <input id="browse-time" type="datetime-local" step="1"></label>
  <label>Records <input id="browse-limit" type="number" min="1" max="1000" value="50"></label>
  <button type="submit">Read</button>
  <label><span>Follow</span><input id="browse-follow" type="checkbox"></label>
  <span id="browse-result" role="status"></span>
</form>
<p id="browse-info" class="muted"></p>
<table>
  <thead><tr><th class="num">Offset</th><th>Timestamp</th><th>Key</th><th>Headers</th><th>Value</th></tr></thead>
  <tbody id="records"><tr class="placeholder"><td colspan="5" class="muted">Pick a topic and read.</td></tr></tbody>
</table>
<p class="muted">API: <a href="/docs">/docs</a> · metrics: <a href="/prometheus">/prometheus</a></p>
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Blink</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/uplot.css">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/uplot.js" defer></script>
<script src="/dashboard/app.js" defer></script>
</head>
<body>${BODY}</body>
</html>
`;

/** Only this origin's scripts and styles run, nothing inline; the page talks only to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The page's content type, its CSP, and no caching. */
export function sendDashboardHeaders(reply: FastifyReply): void {
  void reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-store');
}
