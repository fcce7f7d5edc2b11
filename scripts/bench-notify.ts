// Notifications benchmark (L2): (a) delivery latency, audit event committed -> a local webhook
// receiver has the message, through the outbox and the real job runner (default poll, 4-wide
// notify lane); (b) outbox throughput, a burst of events drained by the same runner; (c) what the
// audit hook costs recordAudit per event (an action that announces nothing, one nobody listens
// to, one with a subscriber). Appends JSON lines {"bench":"notify.*", ...} to bench-results.jsonl.
// Usage: ./node_modules/.bin/tsx --conditions=react-server scripts/bench-notify.ts [--quick]
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { type Tx, openDatabase } from "@/db/connection";
import { insertChannel, insertSubscription } from "@/db/queries/notifications";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { notificationHandlers } from "@/lib/jobs/handlers/notifications";
import { createJobRunner } from "@/lib/jobs/runner";

const quick = process.argv.includes("--quick");
const LATENCY_EVENTS = quick ? 40 : 200;
const BURST = quick ? 300 : 2000;
const HOOK_EVENTS = quick ? 500 : 3000;
const TARGET_P95_MS = 1000;
const TARGET_PER_S = 100;
const RESULTS = path.resolve(process.cwd(), "bench-results.jsonl");
const log = (s: string) => process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

const dir = mkdtempSync(path.join(tmpdir(), "flightdeck-bench-notify-"));
const { db, sqlite } = openDatabase(path.join(dir, "notify.db"));
const system = { kind: "system", label: "system" } as const;

// The receiver: notes when each message (numbered in its text) arrived.
const arrived = new Map<number, number>();
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    const seq = Number(/#(\d+)/.exec((JSON.parse(body) as { text: string }).text)?.[1]);
    arrived.set(seq, performance.now());
    res.writeHead(200).end("ok");
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/bench`;

const channel = writeTransaction(db, (tx) => insertChannel(tx, { name: "#bench", kind: "slack", url, enabled: true, createdAt: Date.now(), updatedAt: Date.now() }));
writeTransaction(db, (tx) => insertSubscription(tx, { channelId: channel.id, eventKind: "gate_blocked", createdAt: Date.now() }));

/** One announced event (a gate block whose reason carries the sequence number) in its own transaction. */
const announce = (tx: Tx, seq: number) =>
  recordAudit(tx, { actor: system, action: "gate.blocked", environment: "production", details: { gatedAction: "deploy.canary.start", reasons: [`#${seq}`] } });
const waitFor = async (seqs: number[], timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (seqs.some((s) => !arrived.has(s)) && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
};

const runner = createJobRunner({ db, owner: "bench-notify", handlers: notificationHandlers(db) });
runner.start();

// (a) latency, one event at a time (spaced so the runner is idle between them, as in real use).
const latencies: number[] = [];
for (let i = 0; i < LATENCY_EVENTS; i++) {
  const t0 = performance.now();
  writeTransaction(db, (tx) => announce(tx, i));
  await waitFor([i], 10_000);
  latencies.push((arrived.get(i) ?? NaN) - t0);
  await new Promise((r) => setTimeout(r, 5 + (i % 7) * 7));
}

// (b) throughput: a burst of events committed at once, drained by the runner.
const burst = Array.from({ length: BURST }, (_, i) => 100_000 + i);
const b0 = performance.now();
writeTransaction(db, (tx) => burst.forEach((seq) => announce(tx, seq)));
const committedMs = performance.now() - b0;
await waitFor(burst, 120_000);
const drainedMs = Math.max(...burst.map((s) => arrived.get(s) ?? Infinity)) - b0;
const perSecond = (BURST / drainedMs) * 1000;
await runner.stop();

// (c) the hook's cost inside recordAudit.
const hookCost = (action: AuditAction, details: Record<string, unknown>) => {
  const t0 = performance.now();
  writeTransaction(db, (tx) => {
    for (let i = 0; i < HOOK_EVENTS; i++) recordAudit(tx, { actor: system, action, environment: "production", details });
  });
  return ((performance.now() - t0) * 1000) / HOOK_EVENTS;
};
const quiet = hookCost("health.changed", { probe: 1 });
const unheard = hookCost("rollout.succeeded", { version: "1.0.0" });
const heard = hookCost("gate.blocked", { gatedAction: "deploy.canary.start", reasons: ["#999999"] });

server.close();
sqlite.close();
rmSync(dir, { recursive: true, force: true });

const p50 = pct(latencies, 50);
const p95 = pct(latencies, 95);
const pass = p95 <= TARGET_P95_MS && perSecond >= TARGET_PER_S;
const at = new Date().toISOString();
const prefix = quick ? "quick." : "";
const lines = [
  { bench: "notify.latency", metric: `${prefix}notify.latency.p95`, value: Number(p95.toFixed(1)), unit: "ms", target: TARGET_P95_MS, better: "lower", p50_ms: Number(p50.toFixed(1)), max_ms: Number(Math.max(...latencies).toFixed(1)), events: LATENCY_EVENTS },
  { bench: "notify.throughput", metric: `${prefix}notify.outbox.per_s`, value: Math.round(perSecond), unit: "messages/s", target: TARGET_PER_S, better: "higher", burst: BURST, committed_ms: Math.round(committedMs), drained_ms: Math.round(drainedMs) },
  { bench: "notify.hook", metric: `${prefix}notify.hook.us_per_event`, value: Number(heard.toFixed(1)), unit: "us", better: "lower", no_kind_us: Number(quiet.toFixed(1)), no_subscriber_us: Number(unheard.toFixed(1)), events: HOOK_EVENTS },
].map((l) => ({ ...l, pass, load: loadavg()[0], at }));
for (const l of lines) appendFileSync(RESULTS, `${JSON.stringify(l)}\n`);

log(`Flightdeck notifications benchmark${quick ? " (--quick)" : ""}: outbox -> job runner (notify lane) -> local webhook receiver`);
log(`(a) latency, event committed -> receiver, ${LATENCY_EVENTS} events one at a time: p50 ${p50.toFixed(1)} ms   p95 ${p95.toFixed(1)} ms   max ${Math.max(...latencies).toFixed(1)} ms (target p95 <= ${TARGET_P95_MS} ms)`);
log(`(b) throughput: ${BURST} events committed in ${committedMs.toFixed(0)} ms, all delivered after ${drainedMs.toFixed(0)} ms: ${perSecond.toFixed(0)} messages/s (target >= ${TARGET_PER_S})`);
log(`(c) recordAudit per event: ${quiet.toFixed(1)} us (action announces nothing), ${unheard.toFixed(1)} us (announced, no subscriber), ${heard.toFixed(1)} us (one subscriber: outbox row + job)`);
log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${pass ? "PASS" : "FAIL"}; appended to ${RESULTS}`);
process.exitCode = pass ? 0 : 1;
