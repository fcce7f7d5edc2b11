// Sample HTTP service shipped with Flightdeck (REQUIREMENTS H1). One process per version.
// Behaviour comes from the version name, so a demo needs no setup:
//   "...-slow"   adds ~800 ms latency to every request;
//   "...-bad"    answers 5xx on 20% of requests;
//   "...-tail"   a latency tail: exactly 1.5% of requests (evenly spread, 3 in every 200) take
//                1.5 s longer, so the true p99 is ~1,505 ms while p95 stays ~6 ms;
//   "...-tail45" the same tail on 4.5% of requests: true p95 still ~6 ms, p99 ~1,505 ms
//                ("-tailN": N tenths of a percent);
// SAMPLE_LATENCY_MS / SAMPLE_ERROR_RATE / SAMPLE_TAIL_RATE (0-1) / SAMPLE_TAIL_MS override them.
// SAMPLE_FAILING_PATHS: comma-separated paths that answer 503 (a failing smoke endpoint, C4).
// Endpoints: /health, /metrics (Prometheus text format), anything else answers JSON {version}
// after the configured latency.
import http from "node:http";

const port = Number(process.env.PORT ?? 5000);
const version = process.env.VERSION ?? "0.0.0";
const buildHash = process.env.BUILD_HASH ?? version;
const latencyMs = Number(process.env.SAMPLE_LATENCY_MS ?? (version.includes("-slow") ? 800 : 5));
const errorRate = Number(process.env.SAMPLE_ERROR_RATE ?? (version.includes("-bad") ? 0.2 : 0));
const tailMatch = /-tail(\d*)/.exec(version);
const tailRate = Number(process.env.SAMPLE_TAIL_RATE ?? (tailMatch ? (tailMatch[1] ? Number(tailMatch[1]) / 1000 : 0.015) : 0));
const tailMs = Number(process.env.SAMPLE_TAIL_MS ?? 1500);
const failingPaths = (process.env.SAMPLE_FAILING_PATHS ?? "").split(",").map((p) => p.trim()).filter(Boolean);
let served = 0;
/** Deterministic tail: exactly `tailRate` of every run of requests, evenly spread (like the router's split). */
function inTail() {
  const n = served++;
  return Math.floor((n + 1) * tailRate) > Math.floor(n * tailRate);
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.6, 1, 2.5, 5, 10];
const counts = new Map(); // status -> n
const bucketCounts = BUCKETS.map(() => 0);
let durationSum = 0;
let durationCount = 0;

function observe(status, seconds) {
  counts.set(status, (counts.get(status) ?? 0) + 1);
  BUCKETS.forEach((b, i) => {
    if (seconds <= b) bucketCounts[i]++;
  });
  durationSum += seconds;
  durationCount++;
}

function metricsText() {
  const labels = `version="${version}"`;
  const lines = [
    "# HELP sample_requests_total Requests served, by status code.",
    "# TYPE sample_requests_total counter",
    ...[...counts].map(([status, n]) => `sample_requests_total{${labels},code="${status}"} ${n}`),
    "# HELP sample_request_duration_seconds Request latency.",
    "# TYPE sample_request_duration_seconds histogram",
    ...BUCKETS.map((b, i) => `sample_request_duration_seconds_bucket{${labels},le="${b}"} ${bucketCounts[i]}`),
    `sample_request_duration_seconds_bucket{${labels},le="+Inf"} ${durationCount}`,
    `sample_request_duration_seconds_sum{${labels}} ${durationSum}`,
    `sample_request_duration_seconds_count{${labels}} ${durationCount}`,
    "# HELP process_resident_memory_bytes Resident memory size in bytes.",
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes{${labels}} ${process.memoryUsage().rss}`,
    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
    "# TYPE process_cpu_seconds_total counter",
    `process_cpu_seconds_total{${labels}} ${(process.cpuUsage().user + process.cpuUsage().system) / 1e6}`,
  ];
  return lines.join("\n") + "\n";
}

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  const url = req.url ?? "/";
  if (url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", version, build: buildHash, pid: process.pid }));
    return;
  }
  if (url === "/metrics") {
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(metricsText());
    return;
  }
  if (failingPaths.includes(url)) {
    res.writeHead(503, { "content-type": "application/json", "x-version": version });
    res.end(JSON.stringify({ error: "unavailable", version }));
    return;
  }
  // Jitter of +-30% keeps percentiles realistic.
  const delay = Math.max(0, latencyMs * (0.7 + Math.random() * 0.6)) + (tailRate > 0 && inTail() ? tailMs : 0);
  setTimeout(() => {
    const fail = Math.random() < errorRate;
    const status = fail ? 500 : 200;
    res.writeHead(status, { "content-type": "application/json", "x-version": version });
    res.end(JSON.stringify(fail ? { error: "sample failure", version } : { ok: true, version, build: buildHash }));
    observe(status, Number(process.hrtime.bigint() - started) / 1e9);
  }, delay);
});

server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1", () => {
  console.log(`sample-service ${version} listening on 127.0.0.1:${port} (latency ~${latencyMs} ms, error rate ${errorRate}, tail ${tailRate} at +${tailMs} ms)`);
});
// Graceful stop: finish in-flight requests, drop idle keep-alive connections (the router keeps
// some open, which would otherwise hold the process for a minute), and give up after 3 s.
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
