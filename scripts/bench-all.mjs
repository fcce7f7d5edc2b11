// `npm run bench [-- --quick]`: every benchmark in turn, each appending its figures to bench-results.jsonl.
import { spawnSync } from "node:child_process";
import { bin, root } from "./lib.mjs";

const args = process.argv.slice(2);
const parts = [
  ["scripts/bench.ts"], // audit: append rate, chain verification, Audit page queries
  ["--conditions=react-server", "scripts/bench-deploy.ts"], // deploy engine: step transitions, router vs direct vs nginx
  ["scripts/bench-policy.ts"], // security gate: decide() with 1,000 overrides and windows
  ["--conditions=react-server", "scripts/bench-governance.ts"], // approvals inbox with 10,000 releases
  ["--conditions=react-server", "scripts/bench-insights.ts"], // Insights view: 10,000 releases, 1,000,000 audit events (p95 <= 200 ms)
  ["--conditions=react-server", "scripts/bench-analysis.ts"], // canary analysis: detection overhead, ingest, chart data, live views
  ["--conditions=react-server", "scripts/bench-safety.ts"], // safety never waits: bad canary rolled back during a 60 s step; demo figures; A/A
  ["scripts/sim/harness.ts"],
  ["--conditions=react-server", "scripts/bench-notify.ts"], // notifications: event -> webhook receiver latency, outbox throughput, audit hook cost
  ["--conditions=react-server", "scripts/bench-api.ts"], // REST API: rollout status and canary start with 50 tokens, token verification // canary analysis offline: old vs sequential judge on seeded simulated traffic (A/A, time to detect)
];
let failed = 0;
for (const part of parts) {
  const r = spawnSync(bin("tsx"), [...part, ...args], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
