// Load generator of the crash test (scripts/crash-test.ts): steady GETs against each router,
// counting every failed request and the longest stretch without a successful answer. It runs in
// its own process so that the orchestrator's synchronous database work can never pass for a gap
// in traffic. IPC protocol: parent sends "stop"; the child answers with its stats and exits.
// Env: CRASH_TRAFFIC_TARGETS = JSON [{name, port}], CRASH_TRAFFIC_RPS (per target, default 25).
import http from "node:http";

const targets = JSON.parse(process.env.CRASH_TRAFFIC_TARGETS ?? "[]");
const rps = Number(process.env.CRASH_TRAFFIC_RPS ?? 25);
const TIMEOUT_MS = 2000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const startedAt = Date.now();

const stats = targets.map((t) => ({
  name: t.name,
  port: t.port,
  sent: 0,
  ok: 0,
  failed: 0,
  /** First failures, for the report: {at, what}. */
  failures: [],
  versions: {},
  lastOkAt: null,
  maxGapMs: 0,
  maxGapEndedAt: null,
}));
let inFlight = 0;
let maxLagMs = 0;

function fail(s, what) {
  s.failed++;
  if (s.failures.length < 20) s.failures.push({ at: Date.now(), what });
}

function ok(s, version) {
  const now = Date.now();
  s.ok++;
  s.versions[version] = (s.versions[version] ?? 0) + 1;
  if (s.lastOkAt !== null && now - s.lastOkAt > s.maxGapMs) {
    s.maxGapMs = now - s.lastOkAt;
    s.maxGapEndedAt = now;
  }
  s.lastOkAt = now;
}

function fire(s) {
  s.sent++;
  inFlight++;
  let done = false;
  const finish = (fn) => {
    if (done) return;
    done = true;
    inFlight--;
    fn();
  };
  const req = http.get({ host: "127.0.0.1", port: s.port, path: `/api/crash-test?n=${s.sent}`, agent, timeout: TIMEOUT_MS }, (res) => {
    res.resume();
    res.on("end", () => finish(() => (res.statusCode === 200 ? ok(s, String(res.headers["x-version"] ?? "?")) : fail(s, `HTTP ${res.statusCode}`))));
    res.on("error", (err) => finish(() => fail(s, `response ${err.code ?? err.message}`)));
  });
  req.on("timeout", () => req.destroy(new Error(`timeout after ${TIMEOUT_MS} ms`)));
  req.on("error", (err) => finish(() => fail(s, err.code ?? err.message)));
}

const period = 1000 / rps;
let expected = Date.now() + period;
const timer = setInterval(() => {
  const now = Date.now();
  maxLagMs = Math.max(maxLagMs, now - expected);
  expected = now + period;
  for (const s of stats) fire(s);
}, period);

process.on("message", (msg) => {
  if (msg !== "stop") return;
  clearInterval(timer);
  const stoppedAt = Date.now();
  const wait = setInterval(() => {
    if (inFlight > 0 && Date.now() - stoppedAt < TIMEOUT_MS + 500) return;
    clearInterval(wait);
    for (const s of stats) {
      // The stretch since the last success counts too (traffic that stopped for good is a gap).
      const tail = s.lastOkAt === null ? stoppedAt - startedAt : stoppedAt - s.lastOkAt;
      if (tail > s.maxGapMs) {
        s.maxGapMs = tail;
        s.maxGapEndedAt = stoppedAt;
      }
    }
    process.send?.({ targets: stats, maxLagMs, durationMs: stoppedAt - startedAt, unfinished: inFlight }, () => process.exit(0));
  }, 20);
});
process.on("disconnect", () => process.exit(0));
process.send?.("ready");
