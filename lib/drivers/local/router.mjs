// Weighted HTTP router of the local driver (REQUIREMENTS H1): the data plane. It runs as its own
// process so that restarting Flightdeck never interrupts traffic. It splits requests between the
// stable and the canary version by the recorded weight (a weighted random draw per request, or a
// consistent hash of a sticky key), measures every request per version and
// writes per-second aggregates to SQLite in batches: counts, p50/p95/p99/mean, and the second's
// latency histogram (log-linear buckets, latency-hist.mjs) from which true window percentiles merge.
//
// Environment: ROUTER_PORT (traffic), ROUTER_ADMIN_PORT (control, 127.0.0.1 only), ROUTER_STATE
// (JSON state file), ROUTER_OPS (append-only log of applied operations), FLIGHTDECK_DB (metrics),
// ROUTER_SERVICE_ID, ROUTER_ENVIRONMENT_ID, ROUTER_SPLIT_SEED (optional: reproducible random split).
// The sticky-split setting (a header or cookie naming the user) arrives with the operations and is
// kept in the state file like the weight.
import Database from "better-sqlite3";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";
import { Pool } from "undici";
import { UPSERT_SAMPLE_SQL, sparseOf } from "./latency-hist.mjs";

const port = Number(process.env.ROUTER_PORT ?? 4000);
const adminPort = Number(process.env.ROUTER_ADMIN_PORT ?? port + 1);
const stateFile = process.env.ROUTER_STATE ?? `router-${port}.json`;
const serviceId = Number(process.env.ROUTER_SERVICE_ID ?? 0);
const environmentId = Number(process.env.ROUTER_ENVIRONMENT_ID ?? 0);

/**
 * The router's own record: current split plus every operation it applied, in order. Written
 * atomically, so after any crash the split and the record of what was applied agree.
 * @type {{ stable: {version: string, port: number} | null, canary: {version: string, port: number} | null, weight: number, sticky?: {header: string} | {cookie: string} | null, ops: {opId: string, at: number, weight: number}[] }}
 */
let state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : { stable: null, canary: null, weight: 0, ops: [] };

function saveState() {
  const tmp = `${stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, stateFile); // atomic: a crash leaves the old or the new state, never half
}

// ---- traffic ----------------------------------------------------------------------------------
// One undici connection pool per version target (Node's http client cost more than the hop it
// proxies), closed when the target leaves the split, so a stopped version still holding
// keep-alive connections never answers for its port's next owner.
const pools = new Map();
function poolFor(target) {
  const key = `${target.version}@${target.port}`;
  let p = pools.get(key);
  if (!p) pools.set(key, (p = new Pool(`http://127.0.0.1:${target.port}`, { connections: 256, keepAliveTimeout: 60_000 })));
  return p;
}
function retireUnusedAgents() {
  const live = new Set([state.stable, state.canary].filter(Boolean).map((t) => `${t.version}@${t.port}`));
  for (const [key, p] of pools) {
    if (live.has(key)) continue;
    pools.delete(key);
    p.close().catch(() => undefined); // in-flight requests finish; idle connections close
  }
}

// Hop-by-hop headers belong to one connection, not to the request or response being proxied.
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect", "host"]);
function endToEnd(headers) {
  const out = {};
  for (const k in headers) if (!HOP.has(k)) out[k] = headers[k];
  return out;
}
let served = 0;

// ---- split ------------------------------------------------------------------------------------
// Each request is an independent weighted draw, so no client's request pattern lines up with the
// split (a deterministic rotation across all clients sent one client's every page document to the
// canary and every API call of that page to stable). ROUTER_SPLIT_SEED makes the draws
// reproducible (tests); without it Math.random.

/** mulberry32: a small seeded PRNG, uniform on [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seedText = process.env.ROUTER_SPLIT_SEED;
const random = seedText ? mulberry32(Number.isFinite(Number(seedText)) ? Number(seedText) : hash32(seedText)) : Math.random;

/** FNV-1a over the UTF-8 bytes, then murmur3's finalizer so that similar keys spread evenly. */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return hash32Bytes(Buffer.from(text, "utf8")); // non-ASCII: hash the UTF-8 bytes
    h = Math.imul(h ^ c, 0x01000193);
  }
  return fmix32(h);
}
function hash32Bytes(bytes) {
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return fmix32(h);
}
function fmix32(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Bucket 0..9999 of a sticky key within one canary version. The canary takes buckets below
 * weight * 100, so a key keeps its version while the weight holds and, as it grows, keys only move
 * from stable to the canary. The canary version salts the hash: each release tries a different
 * set of users first.
 */
function stickyBucket(canaryVersion, key) {
  return hash32(`${canaryVersion}\u0000${key}`) % 10_000;
}

/** The request's sticky key under `sticky` ({header} or {cookie}), or null when it has none. */
function stickyKey(req, sticky) {
  if (!sticky) return null;
  if (sticky.header) {
    const v = req.headers[sticky.header.toLowerCase()];
    const key = Array.isArray(v) ? v.join(",") : v;
    return key ? key : null;
  }
  if (sticky.cookie) {
    const raw = req.headers.cookie;
    if (!raw) return null;
    for (const part of raw.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() !== sticky.cookie) continue;
      const value = part.slice(eq + 1).trim();
      return value ? value : null;
    }
  }
  return null;
}

/** Canary or stable for one request: by its sticky key when it has one, else a weighted draw. */
function pickCanary(req) {
  served++;
  const w = state.canary ? state.weight : 0;
  if (w <= 0) return false;
  if (w >= 100) return true;
  const key = stickyKey(req, state.sticky);
  if (key !== null) return stickyBucket(state.canary.version, key) < w * 100;
  return random() * 100 < w;
}

const buckets = new Map(); // key: second * 2 + (canary ? 1 : 0) -> {second, variant, version, latencies, errors}

function record(variant, version, ms, status) {
  const second = Math.floor(Date.now() / 1000);
  const key = second * 2 + (variant === "canary" ? 1 : 0);
  let b = buckets.get(key);
  if (!b || b.version !== version) buckets.set(key, (b = { second, variant, version, latencies: [], errors: 0 }));
  b.latencies.push(ms);
  if (status >= 500) b.errors++;
}

const server = http.createServer((req, res) => {
  const canary = pickCanary(req);
  const target = canary ? state.canary : state.stable;
  const variant = canary ? "canary" : "baseline";
  if (!target) {
    res.writeHead(503, { "content-type": "application/json" });
    res.end('{"error":"no version is deployed behind this router"}');
    return;
  }
  const started = performance.now();
  let status = 502;
  let resumeUpstream = () => undefined;
  const fail = () => {
    record(variant, target.version, performance.now() - started, 502);
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end('{"error":"upstream unavailable"}');
  };
  // Bodiless requests end at once; others stream their body through.
  const body = req.method === "GET" || req.method === "HEAD" ? null : req;
  poolFor(target).dispatch(
    { origin: undefined, path: req.url, method: req.method, headers: endToEnd(req.headers), body },
    {
      onConnect() {},
      onHeaders(statusCode, raw, resume) {
        status = statusCode;
        const headers = [];
        for (let i = 0; i < raw.length; i += 2) {
          const k = raw[i].toString("latin1");
          if (!HOP.has(k.toLowerCase())) headers.push(k, raw[i + 1].toString("latin1"));
        }
        res.writeHead(statusCode, headers);
        resumeUpstream = resume;
        return true;
      },
      // Backpressure: a slow client pauses the upstream until its socket drains.
      onData(chunk) {
        if (res.write(chunk)) return true;
        res.once("drain", resumeUpstream);
        return false;
      },
      onComplete() {
        res.end();
        record(variant, target.version, performance.now() - started, status);
      },
      onError: fail,
    },
  );
});
server.keepAliveTimeout = 65_000;

// ---- metrics flush --------------------------------------------------------------------------
const db = process.env.FLIGHTDECK_DB ? new Database(process.env.FLIGHTDECK_DB) : null;
if (db) {
  db.pragma("journal_mode = WAL");
  // Never wait for the write lock: a blocked flush would stall all traffic. Unwritten rows stay
  // in `pending` and go out with the next flush.
  db.pragma("busy_timeout = 0");
}
const insert = db?.prepare(UPSERT_SAMPLE_SQL);
let pending = []; // rows whose write failed (database busy): retried on the next flush
const flushBatch = db?.transaction((rows) => {
  for (const r of rows) insert.run(serviceId, environmentId, r.second, r.variant, r.version, r.requests, r.errors, r.p50, r.p95, r.p99, r.mean, r.hist);
});

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function flush(all = false) {
  const current = Math.floor(Date.now() / 1000);
  const rows = pending;
  pending = [];
  for (const [key, b] of buckets) {
    if (!all && b.second >= current) continue; // the current second is still filling
    buckets.delete(key);
    const sorted = b.latencies.sort((x, y) => x - y);
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    const hist = JSON.stringify(sparseOf(sorted));
    rows.push({ second: b.second, variant: b.variant, version: b.version, requests: sorted.length, errors: b.errors, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), mean, hist });
  }
  if (rows.length && flushBatch) {
    try {
      flushBatch(rows);
    } catch (err) {
      console.error(`router: metrics flush failed (${rows.length} rows kept for retry): ${err.message}`);
      pending = rows;
    }
  }
}
setInterval(flush, 1000).unref();

// ---- control --------------------------------------------------------------------------------
function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      try {
        resolve(data ? JSON.parse(data) : {});
      } catch (err) {
        reject(err);
      }
    });
  });
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/;
function validSticky(v) {
  if (v === null) return true;
  if (typeof v !== "object" || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === "header" || keys[0] === "cookie") && typeof v[keys[0]] === "string" && TOKEN.test(v[keys[0]]);
}

const admin = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/state") return send(200, { ...state, pid: process.pid, served, serviceId, environmentId, dbFile: process.env.FLIGHTDECK_DB ?? null });
  if (req.method === "POST" && req.url === "/apply") {
    let op;
    try {
      op = await readBody(req);
    } catch {
      return send(400, { error: "invalid JSON" });
    }
    if (typeof op.opId !== "string" || !op.opId) return send(400, { error: "opId required" });
    // Exactly-once: an operation id already applied is acknowledged, never re-executed.
    if (state.ops.some((o) => o.opId === op.opId)) return send(200, { applied: false, duplicate: true, weight: state.weight });
    const next = { ...state };
    if ("stable" in op) next.stable = op.stable;
    if ("canary" in op) next.canary = op.canary;
    if ("sticky" in op) {
      if (!validSticky(op.sticky)) return send(400, { error: "sticky must be null, {header: name} or {cookie: name}" });
      next.sticky = op.sticky;
    }
    if ("weight" in op) {
      if (!Number.isInteger(op.weight) || op.weight < 0 || op.weight > 100) return send(400, { error: "weight must be 0..100" });
      next.weight = op.weight;
    }
    next.ops = [...state.ops, { opId: op.opId, at: Date.now(), weight: next.weight }].slice(-10_000);
    state = next;
    saveState();
    retireUnusedAgents();
    return send(200, { applied: true, duplicate: false, weight: state.weight });
  }
  send(404, { error: "not found" });
});

server.listen(port, "127.0.0.1", () => console.log(`router: traffic on 127.0.0.1:${port}, control on 127.0.0.1:${adminPort}`));
admin.listen(adminPort, "127.0.0.1");
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    flush(true);
    process.exit(0);
  });
}
