// Demo traffic generator (REQUIREMENTS H1): steady requests per second against a router so a new
// user sees a real canary at once. TRAFFIC_URL (default http://127.0.0.1:4000/api/demo),
// TRAFFIC_RPS (default 20). Keeps going when the target is down, counting failures.
import http from "node:http";

const url = new URL(process.env.TRAFFIC_URL ?? "http://127.0.0.1:4000/api/demo");
const rps = Math.max(0.1, Number(process.env.TRAFFIC_RPS ?? 20));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let ok = 0;
let failed = 0;

function fire() {
  const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, timeout: 10_000 }, (res) => {
    res.resume();
    res.on("end", () => (res.statusCode && res.statusCode < 500 ? ok++ : failed++));
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", () => failed++);
}

setInterval(fire, 1000 / rps);
setInterval(() => {
  console.log(`traffic: ${ok} ok, ${failed} failed (target ${rps}/s -> ${url.href})`);
}, 30_000).unref();
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
