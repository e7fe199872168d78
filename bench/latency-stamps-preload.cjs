// Loaded into the broker by bench/latency-stamps.mjs (NODE_OPTIONS=--require): stamps every message
// of `loadgen latency` (payload magic "BLNKLAT1", then seq and scheduled time, little-endian) where
// it crosses the broker's sockets, on CLOCK_MONOTONIC (performance.now() + a fixed offset: the clock
// of loadgen's LAT_DUMP), into preallocated typed arrays written to LATENCY_STAMPS_OUT at exit:
// * per message (by seq): the time of the socket read that completed the Produce frame carrying
//   it; the read time of the Fetch request whose answer carried it; the time that answer's bytes
//   were handed to the TCP handle (its writev / writeBuffer) and the time that call returned (on
//   a TCP socket libuv writes at once: returned = in the kernel, unless the call left the rest
//   for later, flagged);
// * an event log: every socket read (the read callback's start and end, the socket, bytes, frames
//   completed) and every handle write (start, end, socket, bytes, left for later);
// * V8's GCs (a perf_hooks 'gc' observer: start and duration; its entries are old-generation
//   garbage, ~4 KB each, some 200 a run: a thousandth of what the broker allocates at 10,000/s).
// How: the broker points a plain TCP socket's reads at buffers of its own (own-buffer-reads.ts,
// Node's `onread` fields): after the server's 'connection' listeners ran, the socket's read
// callback (its kBufferCb field) is wrapped; a socket read through 'data' events is stamped from
// a 'data' listener. Writes are stamped by wrapping the TCP handle prototype's writev and
// writeBuffer (the first accepted socket's handle gives the prototype). Each direction of each
// socket is walked frame by frame (request: size, api key, version, correlation id; response:
// size, correlation id), so a magic in a Produce frame belongs to that frame and a magic in a
// response to the Fetch of that correlation id. A magic split across two reads or two chunks is
// missed (the analysis counts the messages without a stamp).
// Cost: a native indexOf over each read and written chunk, a few performance.now() calls per
// event; nothing allocated per message but the arrays of a writev (Node's own).
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const { performance, PerformanceObserver } = require('node:perf_hooks');

const out = process.env.LATENCY_STAMPS_OUT;
const MAX_SEQ = Number(process.env.LATENCY_STAMPS_MAX_SEQ ?? 1_000_000);
const MAX_EVENTS = Number(process.env.LATENCY_STAMPS_MAX_EVENTS ?? 2_000_000);
const MAGIC = Buffer.from('BLNKLAT1'.split('').reverse().join(''), 'latin1'); // u64 LE of "BLNKLAT1"
const PRODUCE = 0;
const FETCH = 1;
// CLOCK_MONOTONIC ns = performance.now() ms * 1e6 + originNs (both read from uv_hrtime).
const originNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;
const now = () => performance.now() * 1e6 + originNs;

/** Per message: produce read, fetch read, write handed, write returned, flags (1 = the write left bytes for later). */
const MSG_FIELDS = 5;
const msgs = new Float64Array(MAX_SEQ * MSG_FIELDS).fill(NaN);
/** Events: kind (0 read, 1 write), start, end, socket, bytes, produce frames completed, fetch frames completed / write left for later. */
const EV_FIELDS = 7;
const events = new Float64Array(MAX_EVENTS * EV_FIELDS);
let eventCount = 0;
const gcs = [];
let sockets = 0;
let dropped = 0;

function logEvent(kind, start, end, socket, bytes, a, b) {
  if (eventCount >= MAX_EVENTS) return void dropped++;
  const i = eventCount++ * EV_FIELDS;
  events[i] = kind;
  events[i + 1] = start;
  events[i + 2] = end;
  events[i + 3] = socket;
  events[i + 4] = bytes;
  events[i + 5] = a;
  events[i + 6] = b;
}

/** One direction of one socket, walked frame by frame across chunks. */
class Walker {
  constructor(headerBytes) {
    this.headerBytes = headerBytes;
    this.header = Buffer.alloc(headerBytes);
    this.have = 0; // header bytes collected for the frame starting
    this.left = 0; // body bytes of the current frame still to come
    this.key = -1;
    this.cid = -1;
  }
}

/** Per socket: the two walkers, the seqs of the Produce frame being read, the read times of its Fetch requests by correlation id. */
class SocketState {
  constructor() {
    this.id = ++sockets;
    this.in = new Walker(12);
    this.out = new Walker(8);
    this.pending = [];
    this.fetchRead = new Float64Array(4096).fill(NaN);
  }
}

/** Walks `buf[from, to)` through `w`; calls `segment(start, end)` for each piece of a frame body and `frameEnd()` at each frame's end. */
function walk(w, buf, from, to, segment, frameEnd) {
  let p = from;
  while (p < to) {
    if (w.left === 0) {
      const take = Math.min(w.headerBytes - w.have, to - p);
      buf.copy(w.header, w.have, p, p + take);
      w.have += take;
      p += take;
      if (w.have < w.headerBytes) return;
      const size = w.header.readInt32BE(0);
      if (w.headerBytes === 12) {
        w.key = w.header.readInt16BE(4);
        w.cid = w.header.readInt32BE(8);
      } else {
        w.key = -1;
        w.cid = w.header.readInt32BE(4);
      }
      w.have = 0;
      w.left = size + 4 - w.headerBytes;
      if (w.left <= 0) {
        w.left = 0;
        frameEnd(w);
        continue;
      }
    }
    const take = Math.min(w.left, to - p);
    segment(w, buf, p, p + take);
    w.left -= take;
    p += take;
    if (w.left === 0) frameEnd(w);
  }
}

let st = null; // the socket being walked (read callbacks and writes never nest)
let stamp = 0;
let produceEnds = 0;
let fetchEnds = 0;

function readSegment(w, buf, start, end) {
  if (w.key !== PRODUCE) return;
  for (let at = buf.indexOf(MAGIC, start); at !== -1 && at + 16 <= end; at = buf.indexOf(MAGIC, at + 8)) {
    st.pending.push(Number(buf.readBigUInt64LE(at + 8)));
  }
}
function readFrameEnd(w) {
  if (w.key === PRODUCE) {
    produceEnds++;
    for (const seq of st.pending) if (seq < MAX_SEQ && Number.isNaN(msgs[seq * MSG_FIELDS])) msgs[seq * MSG_FIELDS] = stamp;
    st.pending.length = 0;
  } else if (w.key === FETCH) {
    fetchEnds++;
    st.fetchRead[w.cid & 4095] = stamp;
  }
}

function onRead(state, buf, from, to, start) {
  st = state;
  stamp = start;
  produceEnds = 0;
  fetchEnds = 0;
  walk(state.in, buf, from, to, readSegment, readFrameEnd);
}

let writeStart = 0;
let writeEnd = 0;
let writeLater = 0;
function writeSegment(w, buf, start, end) {
  for (let at = buf.indexOf(MAGIC, start); at !== -1 && at + 16 <= end; at = buf.indexOf(MAGIC, at + 8)) {
    const seq = Number(buf.readBigUInt64LE(at + 8));
    if (seq >= MAX_SEQ) continue;
    const i = seq * MSG_FIELDS;
    if (!Number.isNaN(msgs[i + 2])) continue; // sent before: the first answer counts
    msgs[i + 1] = st.fetchRead[w.cid & 4095];
    msgs[i + 2] = writeStart;
    msgs[i + 3] = writeEnd;
    msgs[i + 4] = writeLater;
  }
}
function noFrameEnd() {}
const asBuffer = (c) => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));

const stateOf = new WeakMap(); // TCP handle -> SocketState

function patchHandlePrototype(proto) {
  if (proto.__latencyStamps) return;
  proto.__latencyStamps = true;
  const writev = proto.writev;
  const writeBuffer = proto.writeBuffer;
  proto.writev = function (req, data, allBuffers) {
    const start = now();
    const ret = writev.call(this, req, data, allBuffers);
    const end = now();
    const state = stateOf.get(this);
    if (state !== undefined) {
      let bytes = 0;
      let n = 0;
      st = state;
      writeStart = start;
      writeEnd = end;
      writeLater = req.async ? 1 : 0;
      for (let i = 0; i < data.length; i += allBuffers ? 1 : 2) {
        const c = asBuffer(allBuffers || typeof data[i] !== 'string' ? data[i] : Buffer.from(data[i], data[i + 1]));
        bytes += c.length;
        n++;
        walk(state.out, c, 0, c.length, writeSegment, noFrameEnd);
      }
      logEvent(1, start, end, state.id, bytes, n, writeLater);
    }
    return ret;
  };
  proto.writeBuffer = function (req, buffer) {
    const start = now();
    const ret = writeBuffer.call(this, req, buffer);
    const end = now();
    const state = stateOf.get(this);
    if (state !== undefined) {
      st = state;
      writeStart = start;
      writeEnd = end;
      writeLater = req.async ? 1 : 0;
      walk(state.out, asBuffer(buffer), 0, buffer.length, writeSegment, noFrameEnd);
      logEvent(1, start, end, state.id, buffer.length, 1, writeLater);
    }
    return ret;
  };
}

function track(socket) {
  const handle = socket._handle;
  if (!handle) return;
  patchHandlePrototype(Object.getPrototypeOf(handle));
  const state = new SocketState();
  stateOf.set(handle, state);
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const kBuffer = symbols.get('kBuffer');
  const kBufferCb = symbols.get('kBufferCb');
  if (kBuffer !== undefined && kBufferCb !== undefined && socket[kBuffer] && typeof socket[kBufferCb] === 'function') {
    const original = socket[kBufferCb];
    socket[kBufferCb] = function (nread, target) {
      const start = now();
      onRead(state, target, 0, nread, start);
      const p = produceEnds;
      const f = fetchEnds;
      const ret = original.call(this, nread, target);
      logEvent(0, start, now(), state.id, nread, p, f);
      return ret;
    };
  } else {
    socket.prependListener('data', (chunk) => {
      const start = now();
      onRead(state, chunk, 0, chunk.length, start);
      logEvent(0, start, start, state.id, chunk.length, produceEnds, fetchEnds);
    });
  }
}

const emit = net.Server.prototype.emit;
net.Server.prototype.emit = function (event, socket, ...rest) {
  const ret = emit.call(this, event, socket, ...rest);
  if (event === 'connection') track(socket);
  return ret;
};

const kinds = { 1: 1, 2: 2, 4: 4, 8: 8, 16: 16 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime * 1e6 + originNs, e.duration * 1e6, kinds[e.detail?.kind] ?? 0]);
}).observe({ entryTypes: ['gc'] });

// SIGUSR2 (bench/latency-stamps.mjs --warm, between the warm-up run and the measured one): the
// message stamps and the event log start again (loadgen's seqs start at 0 in every run).
process.on('SIGUSR2', () => {
  msgs.fill(NaN);
  eventCount = 0;
  dropped = 0;
});

process.on('exit', () => {
  if (!out) return;
  let last = -1;
  for (let seq = MAX_SEQ - 1; seq >= 0; seq--) {
    const i = seq * MSG_FIELDS;
    if (!Number.isNaN(msgs[i]) || !Number.isNaN(msgs[i + 2])) {
      last = seq;
      break;
    }
  }
  fs.writeFileSync(`${out}.msgs`, Buffer.from(msgs.buffer, 0, (last + 1) * MSG_FIELDS * 8));
  fs.writeFileSync(`${out}.events`, Buffer.from(events.buffer, 0, eventCount * EV_FIELDS * 8));
  fs.writeFileSync(`${out}.json`, JSON.stringify({ msgFields: MSG_FIELDS, evFields: EV_FIELDS, dropped, sockets, gcs }));
});
