// Per-variant metrics of a HAProxy splitter (REQUIREMENTS H7, I1): the same per-second rows the
// embedded router writes (metric_samples: requests, 5xx, p50/p95/p99, mean, latency histogram),
// so the builtin analysis reads a proxied canary exactly like a local one. Source: HAProxy's
// request log, one line per request ("<server> <status> <active ms>"), kept in a ring buffer
// inside haproxy and streamed over its runtime socket (`show events reqlog -w -n`): no UDP to lose,
// no log file to rotate. Runs detached, supervised by the driver (restarted when dead).
//
// Environment: HAPROXY_SOCKET, HAPROXY_STATE (the splitter's JSON: upstream versions), FLIGHTDECK_DB,
// COLLECTOR_SERVICE_ID, COLLECTOR_ENVIRONMENT_ID.
import Database from "better-sqlite3";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { UPSERT_SAMPLE_SQL, sparseOf } from "../local/latency-hist.mjs";

const socketPath = process.env.HAPROXY_SOCKET;
const statePath = process.env.HAPROXY_STATE;
const serviceId = Number(process.env.COLLECTOR_SERVICE_ID ?? 0);
const environmentId = Number(process.env.COLLECTOR_ENVIRONMENT_ID ?? 0);
if (!socketPath || !statePath || !process.env.FLIGHTDECK_DB) {
  console.error("haproxy-collector: HAPROXY_SOCKET, HAPROXY_STATE and FLIGHTDECK_DB are required");
  process.exit(2);
}

/** Version label per server, from the splitter's state (a variant without a version is labelled by its address). */
let versions = { stable: "unknown", canary: "unknown" };
let stateMtime = 0;
/** Re-reads the labels when the splitter's state changed (a promotion relabels the stable server at once). */
function readVersions() {
  try {
    const mtime = statSync(statePath, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (mtime === stateMtime) return;
    stateMtime = mtime;
    const s = JSON.parse(readFileSync(statePath, "utf8"));
    const label = (u) => (u ? (u.version ?? `${u.host}:${u.port}`) : "none");
    versions = { stable: label(s.stable), canary: label(s.canary) };
  } catch {
    // a state file being replaced: keep the previous labels for this second
  }
}
readVersions();

const buckets = new Map(); // key: `${second} ${variant} ${version}`; a second written twice adds up (UPSERT_SAMPLE_SQL)
function record(server, status, ms) {
  if (server !== "stable" && server !== "canary") return; // <NOSRV>: refused before any server (no variant)
  const second = Math.floor(Date.now() / 1000);
  const variant = server === "canary" ? "canary" : "baseline";
  const version = versions[server];
  const key = `${second} ${variant} ${version}`;
  let b = buckets.get(key);
  if (!b) buckets.set(key, (b = { second, variant, version, latencies: [], errors: 0 }));
  b.latencies.push(ms);
  if (status >= 500) b.errors++;
}

// ---- log stream ---------------------------------------------------------------------------------
let partial = "";
function onData(chunk) {
  readVersions();
  const lines = (partial + chunk).split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    const m = /^(\S+) (-?\d+) (-?\d+)$/.exec(line.trim());
    if (!m) continue;
    // %Ta is -1 for an aborted request; HAProxy logs whole milliseconds.
    record(m[1], Number(m[2]), Math.max(0, Number(m[3])));
  }
}

/** Pid of the haproxy whose ring was already read (kept on disk: a restarted collector must not count a ring twice). */
const readMark = `${statePath}.collector-read`;
const markedPid = () => (existsSync(readMark) ? readFileSync(readMark, "utf8").trim() : "");
function mark(pid) {
  writeFileSync(`${readMark}.tmp`, pid);
  renameSync(`${readMark}.tmp`, readMark);
}

/** The pid of the haproxy behind the socket (null when none answers). */
function haproxyPid() {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    let out = "";
    s.setEncoding("utf8");
    s.on("connect", () => s.end("show info\n"));
    s.on("data", (d) => (out += d));
    s.on("close", () => resolve(/^Pid: (\d+)$/m.exec(out)?.[1] ?? null));
    s.on("error", () => resolve(null));
  });
}

async function connect() {
  const pid = await haproxyPid();
  if (!pid) return void setTimeout(connect, 200);
  // A haproxy new to us: its whole ring (requests served before we connected); else only what comes next.
  const fresh = pid !== markedPid();
  const sock = net.connect(socketPath);
  sock.setEncoding("utf8");
  sock.on("connect", () => {
    sock.write(`show events reqlog -w${fresh ? "" : " -n"}\n`);
    if (fresh) mark(pid);
  });
  sock.on("data", onData);
  sock.on("error", () => undefined);
  // haproxy restarted or stopped: reconnect (the new process has a new ring).
  sock.on("close", () => {
    partial = "";
    setTimeout(connect, 200);
  });
}
void connect();

// ---- metrics flush (as the router's) ------------------------------------------------------------
const db = new Database(process.env.FLIGHTDECK_DB);
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 0");
const insert = db.prepare(UPSERT_SAMPLE_SQL);
let pending = [];
const flushBatch = db.transaction((rows) => {
  for (const r of rows) insert.run(serviceId, environmentId, r.second, r.variant, r.version, r.requests, r.errors, r.p50, r.p95, r.p99, r.mean, r.hist);
});
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

function flush(all = false) {
  const current = Math.floor(Date.now() / 1000);
  const rows = pending;
  pending = [];
  for (const [key, b] of buckets) {
    if (!all && b.second >= current) continue;
    buckets.delete(key);
    const sorted = b.latencies.sort((x, y) => x - y);
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    rows.push({ second: b.second, variant: b.variant, version: b.version, requests: sorted.length, errors: b.errors, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), mean, hist: JSON.stringify(sparseOf(sorted)) });
  }
  if (!rows.length) return;
  try {
    flushBatch(rows);
  } catch (err) {
    console.error(`haproxy-collector: metrics flush failed (${rows.length} rows kept for retry): ${err.message}`);
    pending = rows;
  }
}
setInterval(flush, 1000);
for (const sig of ["SIGTERM", "SIGINT", "SIGUSR1"]) {
  process.on(sig, () => {
    flush(true);
    process.exit(0);
  });
}
