/**
 * The dashboard's script, served as /dashboard/app.js: plain browser JavaScript, no
 * framework, no build step (uPlot, loaded before it, draws the charts).
 *
 * - Every POLL_MS it reads /api/v1/overview and redraws the cards and tables, and appends a
 *   point to the charts: produce/fetch requests and records per second (from two readings of
 *   the counters), the memory tier against the offload mark and max_memory, the WAL size,
 *   and each group's lag. The charts keep the last HISTORY_POINTS readings (10 minutes) of
 *   this browser tab.
 * - The topic browser reads a partition from an offset, a timestamp or the end through
 *   GET /api/v1/topics/{topic}/partitions/{p}/records (base64, so every byte arrives as
 *   it is stored), shows keys, headers and values (JSON pretty-printed, text, or binary as a
 *   hex dump) and, when following, asks every POLL_MS for the records after the last one.
 * - Forms create a topic (POST /api/v1/topics) and reset a group's offsets
 *   (POST /api/v1/groups/{id}/offsets/reset), the REST API's own routes and rules.
 * With admin_token set, the page asks for the token once, keeps it in sessionStorage and
 * sends it as a bearer token. Every value from the broker is written with textContent.
 * Each chart lists its series' latest values as text (data-series), which the e2e test reads.
 */
export const POLL_INTERVAL_MS = 1_000;
export const HISTORY_POINTS = 600;
/** Groups drawn on the lag chart (the first ones seen; the table lists every group). */
export const LAG_CHART_GROUPS_MAX = 8;
/** Rows the topic browser keeps while following (the oldest go first). */
export const BROWSER_ROWS_MAX = 500;

export const DASHBOARD_SCRIPT = String.raw`
(() => {
  'use strict';
  const POLL_MS = ${POLL_INTERVAL_MS};
  const HISTORY = ${HISTORY_POINTS};
  const LAG_GROUPS = ${LAG_CHART_GROUPS_MAX};
  const ROWS_MAX = ${BROWSER_ROWS_MAX};
  const HEX_BYTES_MAX = 4096;
  const TOKEN_KEY = 'blink-admin-token';
  const COLORS = ['#3b82f6', '#f59e0b', '#16a34a', '#ef4444', '#8b5cf6', '#0891b2', '#db2777', '#65a30d'];
  const $ = (id) => document.getElementById(id);
  let previous = null;
  let latest = null;

  // ---- formatting ----
  const fmtBytes = (n) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + ' ' + units[i];
  };
  const fmtRate = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1)) + '/s';
  const fmtUptime = (ms) => {
    const s = Math.floor(ms / 1000);
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm ' + (s % 60) + 's';
  };
  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  };
  const cell = (text, className) => el('td', text, className);
  const fill = (tbodyId, rows, emptyText, columns) => {
    const body = $(tbodyId);
    body.replaceChildren();
    if (rows.length === 0) {
      const td = cell(emptyText, 'muted');
      td.colSpan = columns;
      const tr = el('tr');
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const row of rows) body.append(row);
  };
  const meter = (id, ratio) => {
    const bar = $(id);
    bar.firstElementChild.style.width = Math.min(100, Math.max(0, ratio * 100)).toFixed(1) + '%';
    bar.classList.toggle('warn', ratio >= 0.8 && ratio < 0.95);
    bar.classList.toggle('bad', ratio >= 0.95);
  };

  // ---- the REST API, with the token ----
  const api = async (method, path, body) => {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('login').hidden = false;
      setStatus(token ? 'The token was refused.' : 'This broker asks for its admin token.', true);
    }
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { ok: response.ok, status: response.status, json, message: json && json.message ? json.message : 'HTTP ' + response.status };
  };
  const setStatus = (text, isError) => {
    $('status').textContent = text;
    $('status').classList.toggle('error', isError);
  };

  // ---- charts (uPlot) ----
  const history = { t: [], produce: [], fetch: [], recordsIn: [], recordsOut: [], memory: [], highWater: [], maxMemory: [], wal: [], lag: new Map() };
  const push = (array, value) => { array.push(value); if (array.length > HISTORY) array.shift(); };
  const charts = new Map();

  const chartSize = (container) => ({ width: Math.max(280, container.clientWidth - 16), height: 180 });
  const makeChart = (key, series, valueFormat) => {
    const box = document.querySelector('.chart[data-chart="' + key + '"]');
    const plot = box.querySelector('.plot');
    plot.replaceChildren();
    const opts = Object.assign(chartSize(box), {
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (u, ticks) => ticks.map(valueFormat), size: 70 }],
      series: [{}].concat(series.map((s, i) => ({ label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 1.5, dash: s.dash }))),
    });
    const chart = new uPlot(opts, [[]].concat(series.map(() => [])), plot);
    charts.set(key, { chart, series, box, valueFormat });
    const now = box.querySelector('.now');
    now.replaceChildren();
    series.forEach((s, i) => {
      const item = el('span', '', 'series');
      item.dataset.series = s.label;
      item.style.color = s.color || COLORS[i % COLORS.length];
      now.append(item, document.createTextNode(' '));
    });
    return charts.get(key);
  };
  const drawChart = (key, columns) => {
    const entry = charts.get(key);
    if (!entry) return;
    entry.chart.setData([history.t].concat(columns));
    entry.box.dataset.points = String(history.t.length);
    entry.series.forEach((s, i) => {
      const item = entry.box.querySelector('[data-series="' + CSS.escape(s.label) + '"]');
      const column = columns[i];
      const last = column.length > 0 ? column[column.length - 1] : null;
      item.dataset.value = last === null ? '' : String(last);
      item.textContent = s.label + ': ' + (last === null ? '-' : entry.valueFormat(last));
    });
  };
  const rateOf = (now, key) => {
    if (previous === null) return null;
    const seconds = (now.sampledAtMs - previous.sampledAtMs) / 1000;
    return seconds > 0 ? Math.max(0, now.counters[key] - previous.counters[key]) / seconds : null;
  };
  const lagGroups = () => [...history.lag.keys()];
  const recordHistory = (o) => {
    push(history.t, o.sampledAtMs / 1000);
    push(history.produce, rateOf(o, 'produceRequests'));
    push(history.fetch, rateOf(o, 'fetchRequests'));
    push(history.recordsIn, rateOf(o, 'producedRecords'));
    push(history.recordsOut, rateOf(o, 'fetchedRecords'));
    push(history.memory, o.memory.storedBytes);
    push(history.highWater, o.memory.highWaterBytes);
    push(history.maxMemory, o.memory.maxMemoryBytes);
    push(history.wal, o.wal.diskBytes);
    const before = lagGroups().join('\n');
    for (const g of o.groups) {
      if (g.totalLag !== null && !history.lag.has(g.groupId) && history.lag.size < LAG_GROUPS) history.lag.set(g.groupId, history.t.slice(0, -1).map(() => null));
    }
    for (const [groupId, values] of history.lag) {
      const group = o.groups.find((g) => g.groupId === groupId);
      push(values, group && group.totalLag !== null ? group.totalLag : null);
    }
    for (const [groupId, values] of [...history.lag]) {
      if (values.every((v) => v === null)) history.lag.delete(groupId);
    }
    if (lagGroups().join('\n') !== before || !charts.has('lag')) makeChart('lag', lagGroups().map((g) => ({ label: g })), (v) => String(Math.round(v)));
  };
  const drawCharts = () => {
    drawChart('throughput', [history.produce, history.fetch, history.recordsIn, history.recordsOut]);
    drawChart('memory', [history.memory, history.highWater, history.maxMemory]);
    drawChart('wal', [history.wal]);
    drawChart('lag', [...history.lag.values()]);
  };
  const setupCharts = () => {
    makeChart('throughput', [{ label: 'produce requests' }, { label: 'fetch requests' }, { label: 'records in' }, { label: 'records out' }], fmtRate);
    makeChart('memory', [{ label: 'in memory' }, { label: 'offload mark', color: '#f59e0b', dash: [6, 4] }, { label: 'max_memory', color: '#ef4444', dash: [6, 4] }], fmtBytes);
    makeChart('wal', [{ label: 'WAL on disk' }], fmtBytes);
    window.addEventListener('resize', () => {
      for (const entry of charts.values()) entry.chart.setSize(chartSize(entry.box));
    });
  };

  // ---- overview ----
  const render = (o) => {
    $('version').textContent = 'v' + o.broker.version + ' · node ' + o.broker.nodeId + ' · ' + o.broker.storageMode + ' mode · storage ' + o.broker.storage;
    $('uptime').textContent = 'up ' + fmtUptime(o.broker.uptimeMs);
    $('produce-rate').textContent = fmtRate(rateOf(o, 'produceRequests') || 0);
    $('fetch-rate').textContent = fmtRate(rateOf(o, 'fetchRequests') || 0);
    $('records-rate').textContent = fmtRate(rateOf(o, 'producedRecords') || 0);
    $('totals').textContent = o.counters.produceRequests + ' produce · ' + o.counters.fetchRequests + ' fetch · ' + o.counters.connections + ' connections';
    $('memory').textContent = fmtBytes(o.memory.storedBytes) + ' of ' + fmtBytes(o.memory.maxMemoryBytes);
    $('memory-detail').textContent = (o.memory.usedRatio * 100).toFixed(1) + '% of max_memory · offload above ' + fmtBytes(o.memory.highWaterBytes) + ' · RSS ' + fmtBytes(o.memory.rssBytes);
    meter('memory-meter', o.memory.usedRatio);
    $('wal').textContent = fmtBytes(o.wal.diskBytes);
    $('wal-detail').textContent = o.wal.batchesOnDisk + ' batches on disk · ' + o.wal.offloadedBatches + ' only on disk · ' + o.counters.offloadOperations + ' offloads';
    renderTopics(o);
    renderGroups(o);
    fill('plugins', o.plugins.map((p) => {
      const tr = el('tr');
      tr.dataset.plugin = p.name;
      tr.append(cell(p.name), cell(p.status, 'status'), cell(p.calls, 'num'), cell(p.refusedRecords, 'num'), cell(p.errors, 'num'), cell(p.lastError || ''));
      return tr;
    }), 'No plugins configured', 6);
    recordHistory(o);
    drawCharts();
    previous = o;
    latest = o;
    refreshTopicChoices();
  };
  const renderTopics = (o) => {
    const rows = [];
    for (const topic of o.topics) {
      for (const p of topic.partitions) {
        const tr = el('tr');
        tr.dataset.topic = topic.name;
        tr.dataset.partition = String(p.partition);
        const browse = el('button', 'browse', 'link browse');
        browse.type = 'button';
        browse.addEventListener('click', () => openBrowser(topic.name, p.partition));
        const action = cell('');
        action.append(browse);
        tr.append(cell(topic.name, 'topic'), cell(p.partition, 'num partition'), cell(p.logStartOffset, 'num start'), cell(p.highWatermark, 'num hw'),
          cell(p.highWatermark - p.logStartOffset, 'num records'), cell(fmtBytes(p.memoryBytes), 'num'), cell(fmtBytes(p.walBytes), 'num'), action);
        rows.push(tr);
      }
    }
    fill('topics', rows, 'No topics yet', 8);
    $('topics-omitted').textContent = o.topicsOmitted > 0 ? o.topicsOmitted + ' more topics not shown' : '';
  };
  const renderGroups = (o) => {
    fill('groups', o.groups.map((g) => {
      const tr = el('tr');
      tr.dataset.group = g.groupId;
      const reset = el('button', 'reset offsets', 'link reset');
      reset.type = 'button';
      reset.addEventListener('click', () => openReset(g.groupId));
      const action = cell('');
      action.append(reset);
      tr.append(cell(g.groupId), cell(g.state, 'state'), cell(g.members, 'num'), cell(g.totalLag === null ? '-' : g.totalLag, 'num lag'), action);
      return tr;
    }), 'No consumer groups', 5);
  };

  const poll = async () => {
    try {
      const answer = await api('GET', '/api/v1/overview');
      if (answer.ok) {
        render(answer.json);
        $('login').hidden = true;
        setStatus('Updated ' + new Date().toLocaleTimeString(), false);
      } else if (answer.status !== 401) {
        setStatus('The broker answered ' + answer.message, true);
      }
    } catch (error) {
      setStatus('Cannot reach the broker: ' + error.message, true);
    }
    setTimeout(poll, POLL_MS);
  };

  // ---- create a topic, reset a group's offsets ----
  const showResult = (id, ok, text) => {
    $(id).textContent = text;
    $(id).className = ok ? 'ok' : 'error';
  };
  $('create-topic').addEventListener('submit', async (event) => {
    event.preventDefault();
    const configs = {};
    if ($('create-retention').value) configs['retention.ms'] = String($('create-retention').value);
    const answer = await api('POST', '/api/v1/topics', { name: $('create-name').value.trim(), partitions: Number($('create-partitions').value), configs });
    showResult('create-result', answer.ok, answer.ok ? 'Created ' + answer.json.name + ' with ' + answer.json.partitions.length + ' partition(s)' : answer.message);
  });
  const openReset = (groupId) => {
    $('reset-group').value = groupId;
    $('reset-offsets').scrollIntoView({ block: 'nearest' });
    $('reset-to').focus();
  };
  $('reset-to').addEventListener('change', () => { $('reset-time-field').hidden = $('reset-to').value !== 'timestamp'; });
  $('reset-offsets').addEventListener('submit', async (event) => {
    event.preventDefault();
    const groupId = $('reset-group').value.trim();
    const body = { to: $('reset-to').value };
    if (body.to === 'timestamp') body.timestamp = new Date($('reset-time').value).getTime();
    const topics = $('reset-topics').value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    if (topics.length > 0) body.topics = topics;
    const answer = await api('POST', '/api/v1/groups/' + encodeURIComponent(groupId) + '/offsets/reset', body);
    showResult('reset-result', answer.ok, answer.ok
      ? 'Reset ' + answer.json.offsets.map((o) => o.topic + '-' + o.partition + ' to ' + o.offset).join(', ')
      : answer.message);
  });

  // ---- topic browser ----
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const bytesOf = (base64) => {
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  };
  const hexDump = (bytes) => {
    const lines = [];
    const shown = Math.min(bytes.length, HEX_BYTES_MAX);
    for (let at = 0; at < shown; at += 16) {
      const row = bytes.subarray(at, Math.min(at + 16, shown));
      const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(at.toString(16).padStart(8, '0') + '  ' + hex.padEnd(47, ' ') + '  |' + ascii + '|');
    }
    if (bytes.length > shown) lines.push('… ' + (bytes.length - shown) + ' more bytes');
    return lines.join('\n');
  };
  /** How a key, value or header value is shown: null, JSON (pretty), text, or binary (hex). */
  const decode = (base64) => {
    if (base64 === null) return { kind: 'null', text: 'null' };
    const bytes = bytesOf(base64);
    let text;
    try { text = utf8.decode(bytes); } catch { return { kind: 'binary', text: hexDump(bytes) }; }
    if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { kind: 'binary', text: hexDump(bytes) };
    if (/^\s*[{[]/.test(text)) {
      try { return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) }; } catch { /* not JSON after all */ }
    }
    return { kind: 'text', text };
  };
  const shown = (base64, className) => {
    const td = cell('', className);
    const value = decode(base64);
    td.dataset.kind = value.kind;
    td.append(el('span', value.kind, 'kind'), el('pre', value.text));
    return td;
  };
  const browser = { topic: null, partition: 0, next: 0, timer: null, reading: false };
  const refreshTopicChoices = () => {
    const select = $('browse-topic');
    const names = latest ? latest.topics.map((t) => t.name) : [];
    const current = select.value;
    if ([...select.options].map((o) => o.value).join('\n') !== names.join('\n')) {
      select.replaceChildren(...names.map((name) => { const o = el('option', name); o.value = name; return o; }));
      if (names.includes(current)) select.value = current;
      refreshPartitionChoices();
    }
  };
  const refreshPartitionChoices = () => {
    const topic = latest ? latest.topics.find((t) => t.name === $('browse-topic').value) : undefined;
    const select = $('browse-partition');
    const current = select.value;
    const partitions = topic ? topic.partitions.map((p) => String(p.partition)) : [];
    select.replaceChildren(...partitions.map((p) => { const o = el('option', p); o.value = p; return o; }));
    if (partitions.includes(current)) select.value = current;
  };
  $('browse-topic').addEventListener('change', refreshPartitionChoices);
  $('browse-from').addEventListener('change', () => {
    $('browse-offset-field').hidden = $('browse-from').value !== 'offset';
    $('browse-time-field').hidden = $('browse-from').value !== 'timestamp';
  });
  const openBrowser = (topic, partition) => {
    refreshTopicChoices();
    $('browse-topic').value = topic;
    refreshPartitionChoices();
    $('browse-partition').value = String(partition);
    $('browse').scrollIntoView({ block: 'start' });
  };
  const recordsPath = (query) => '/api/v1/topics/' + encodeURIComponent(browser.topic) + '/partitions/' + browser.partition + '/records?encoding=base64&' + query;
  const appendRecords = (records, highlight) => {
    const body = $('records');
    if (body.querySelector('.placeholder')) body.replaceChildren();
    for (const r of records) {
      const tr = el('tr', undefined, highlight ? 'new' : '');
      tr.dataset.offset = String(r.offset);
      const headers = cell('', 'headers');
      for (const h of r.headers) headers.append(el('div', h.key + ' = ' + inline(h.value)));
      tr.append(cell(r.offset, 'num offset'), cell(new Date(r.timestamp).toISOString() + (r.timestampType === 'LogAppendTime' ? ' (log append)' : ''), 'time'), shown(r.key, 'key'), headers, shown(r.value, 'value'));
      body.append(tr);
    }
    while (body.rows.length > ROWS_MAX) body.deleteRow(0);
  };
  /** A header value on one line: text, or 0x and its bytes in hex. */
  const inline = (base64) => {
    const value = decode(base64);
    return value.kind === 'binary' ? '0x' + [...bytesOf(base64)].map((b) => b.toString(16).padStart(2, '0')).join('') : value.text;
  };
  const showRead = (answer) => {
    $('browse-info').textContent = browser.topic + '-' + browser.partition + ': offsets ' + answer.logStartOffset + ' to ' + (answer.highWatermark - 1) + ', next ' + answer.nextOffset;
  };
  const read = async () => {
    stopFollowing();
    browser.topic = $('browse-topic').value;
    browser.partition = Number($('browse-partition').value || 0);
    const limit = Math.max(1, Math.min(1000, Number($('browse-limit').value) || 50));
    if (!browser.topic) { showResult('browse-result', false, 'Pick a topic'); return; }
    let query = 'limit=' + limit;
    const from = $('browse-from').value;
    if (from === 'offset') query += '&offset=' + Math.max(0, Number($('browse-offset').value) || 0);
    if (from === 'timestamp') query += '&timestamp=' + new Date($('browse-time').value).getTime();
    if (from === 'end') {
      const detail = await api('GET', '/api/v1/topics/' + encodeURIComponent(browser.topic));
      if (!detail.ok) { showResult('browse-result', false, detail.message); return; }
      const p = detail.json.partitions.find((x) => x.partition === browser.partition);
      query += '&offset=' + Math.max(p.logStartOffset, p.highWatermark - limit);
    }
    const answer = await api('GET', recordsPath(query));
    $('records').replaceChildren();
    if (!answer.ok) { showResult('browse-result', false, answer.message); return; }
    showResult('browse-result', true, answer.json.records.length + ' record(s)');
    appendRecords(answer.json.records, false);
    showRead(answer.json);
    browser.next = answer.json.nextOffset;
    if ($('browse-follow').checked) follow();
  };
  const follow = () => {
    stopFollowing();
    browser.timer = setTimeout(async () => {
      if (!browser.reading) {
        browser.reading = true;
        try {
          const answer = await api('GET', recordsPath('limit=100&offset=' + browser.next));
          if (answer.ok) {
            appendRecords(answer.json.records, true);
            showRead(answer.json);
            browser.next = answer.json.nextOffset;
          } else {
            showResult('browse-result', false, answer.message);
          }
        } catch (error) {
          showResult('browse-result', false, error.message);
        } finally {
          browser.reading = false;
        }
      }
      if ($('browse-follow').checked) follow();
    }, POLL_MS);
  };
  const stopFollowing = () => {
    if (browser.timer !== null) clearTimeout(browser.timer);
    browser.timer = null;
  };
  $('browse-form').addEventListener('submit', (event) => { event.preventDefault(); read(); });
  $('browse-follow').addEventListener('change', () => {
    if ($('browse-follow').checked && browser.topic !== null) follow();
    else stopFollowing();
  });

  // ---- start ----
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    $('login').hidden = true;
  });
  setupCharts();
  poll();
})();
`;
