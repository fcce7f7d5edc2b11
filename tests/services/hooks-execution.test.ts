import { mkdtempSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { canary, rolloutWhen as waitForRollout, sampleApiOnLocalDriver } from "@/tests/support/local-world";
import { until } from "@/tests/support/wait";

// Step hooks (issue 12 item 6) end to end: the real worker drives the local driver's router and
// versions and calls a real local HTTP receiver at each stage; a non-2xx answer or a timeout holds
// the step, and the rollout page's Retry re-runs the hook.
const dir = mkdtempSync(path.join(tmpdir(), "fd-hooks-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

const { getDb, getSqlite } = await import("@/db/client");
const { listStepHooks } = await import("@/db/queries/hooks");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { createStepHook } = await import("@/lib/services/hooks/create-step-hook");
const { deleteStepHook } = await import("@/lib/services/hooks/delete-step-hook");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { actorFor, auditEvents, lastAuditId } = await import("@/tests/support/db");

// Port block of this file: 10000-10999 (e2e/hooks.spec.ts uses 11000-11999).
const routerPort = 10_000 + Math.floor(Math.random() * 5) * 200;
let runner: Awaited<ReturnType<typeof sampleApiOnLocalDriver>>["runner"];
let serviceId = 0;
let stagingId = 0;
let version = 1;

const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);
const rolloutWhen = (id: number, ok: Parameters<typeof waitForRollout>[1]) => waitForRollout(id, ok, 45_000);
const logOf = (id: number) => getSqlite().prepare("SELECT level, message FROM rollout_log WHERE rollout_id = ? ORDER BY id").all(id) as { level: string; message: string }[];
const hookLines = (id: number) => logOf(id).filter((l) => l.message.startsWith("hook "));

// ---- a real HTTP receiver: each path answers with its script (the last answer repeats) ----------

type Answer = { status: number; body?: string } | "hang";
const scripts = new Map<string, Answer[]>();
const received: { path: string; method: string; body: string }[] = [];
let server: Server;
let base = "";

function script(pathname: string, answers: Answer[]) {
  scripts.set(pathname, answers);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const pathname = req.url ?? "/";
      const seen = received.filter((r) => r.path === pathname).length;
      received.push({ path: pathname, method: req.method ?? "", body });
      const answers = scripts.get(pathname) ?? [{ status: 404 }];
      const answer = answers[Math.min(seen, answers.length - 1)]!;
      if (answer === "hang") return;
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const world = await sampleApiOnLocalDriver(routerPort, "hooks-test-worker");
  ({ serviceId, runner } = world);
  stagingId = world.staging.id;
  const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: "1.0.0", strategy: canary([[100, 0]]), idempotencyKey: "hooks-base" });
  await rolloutWhen(rollout.id, (r) => r.status === "succeeded");
}, 60_000);

afterAll(async () => {
  await runner.stop();
  killDataPlane(dir);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function hook(name: string, stage: string, over: Record<string, unknown> = {}) {
  return createStepHook(who("admin"), { serviceId, name, stage, url: `${base}/${name}`, retryDelaySeconds: "0", ...over });
}

function clearHooks() {
  for (const h of listStepHooks(getDb(), serviceId)) deleteStepHook(who("admin"), { id: h.id });
  received.length = 0;
}

function start(steps: [number, number][]) {
  const v = `1.${version++}.0`;
  return startRollout(who("captain"), { serviceId, environmentId: stagingId, version: v, strategy: canary(steps), idempotencyKey: `hooks-${v}` }).rollout;
}

describe("step hooks through the worker and the local driver", () => {
  it("2xx at every stage passes; 500 then 200 with one retry passes with two attempts logged", async () => {
    clearHooks();
    script("/smoke", [{ status: 200, body: "smoke suite green" }]);
    script("/load", [{ status: 500, body: "warming up" }, { status: 204 }]);
    script("/confirm", [{ status: 200 }]);
    hook("smoke", "pre_rollout");
    hook("load", "per_step", { retries: "1", body: '{"svc": "{{service}}", "to": "{{version}}", "w": {{weight}}, "step": {{step}}, "id": {{rolloutId}}}' });
    hook("confirm", "pre_promotion", { method: "PUT" });
    const before = lastAuditId(getSqlite());
    const r = start([[25, 0], [100, 0]]);
    await rolloutWhen(r.id, (x) => x.status === "succeeded");

    // pre-rollout once, per-step at 25% (two attempts) and at 100% (one), pre-promotion once.
    expect(received.map((x) => [x.path, x.method])).toEqual([
      ["/smoke", "POST"],
      ["/load", "POST"],
      ["/load", "POST"],
      ["/load", "POST"],
      ["/confirm", "PUT"],
    ]);
    expect(JSON.parse(received[0]!.body)).toEqual({ service: "sample-api", environment: "staging", version: r.toVersion, fromVersion: r.fromVersion, weight: 0, step: 1, rolloutId: r.id });
    expect(JSON.parse(received[2]!.body)).toEqual({ svc: "sample-api", to: r.toVersion, w: 25, step: 2, id: r.id });
    expect(JSON.parse(received[3]!.body)).toMatchObject({ w: 100, step: 3 });

    expect(hookLines(r.id).map((l) => [l.level, l.message.replace(/\(\d+ ms\)/, "(N ms)")])).toEqual([
      ["info", 'hook "smoke" (pre-rollout) attempt 1/1: HTTP 200: smoke suite green (N ms)'],
      ["warn", 'hook "load" (per-step) attempt 1/2: HTTP 500: warming up (N ms); retrying in 0 s'],
      ["info", 'hook "load" (per-step) attempt 2/2: HTTP 204 (N ms)'],
      ["info", 'hook "load" (per-step) attempt 1/2: HTTP 204 (N ms)'],
      ["info", 'hook "confirm" (pre-promotion) attempt 1/1: HTTP 200: ok (N ms)'],
    ]);
    const audits = auditEvents(getSqlite(), before).filter((e) => e.action.startsWith("rollout.hook_"));
    expect(audits.map((e) => [e.action, e.actorLabel, e.details.hook, e.details.stage, e.details.status, e.details.attempt])).toEqual([
      ["rollout.hook_passed", "worker", "smoke", "pre_rollout", 200, 1],
      ["rollout.hook_failed", "worker", "load", "per_step", 500, 1],
      ["rollout.hook_passed", "worker", "load", "per_step", 204, 2],
      ["rollout.hook_passed", "worker", "load", "per_step", 204, 1],
      ["rollout.hook_passed", "worker", "confirm", "pre_promotion", 200, 1],
    ]);
    // The hook's URL is audited masked, as chat channels show theirs.
    expect(audits[0]!.details.url).toBe(`${base}/…moke`);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 60_000);

  it("503 always holds the step with the answer shown; Retry after the receiver is fixed proceeds", async () => {
    clearHooks();
    script("/load", [{ status: 503, body: "p95 1200ms > 600ms under load" }]);
    hook("load", "per_step", { retries: "2" });
    const before = lastAuditId(getSqlite());
    const r = start([[25, 0], [100, 0]]);
    const held = await rolloutWhen(r.id, (x) => x.status === "failed");
    const reason = 'Step hook "load" (per-step) failed after 3 attempts: HTTP 503: p95 1200ms > 600ms under load';
    // The traffic is shifted (25%) but the step did not pass: no hold, the Retry action is offered.
    expect(held).toMatchObject({ status: "failed", failedDuring: "step", stepIndex: 1, phase: "start", weight: 25, reason });
    expect(received.filter((x) => x.path === "/load")).toHaveLength(3);
    expect(hookLines(r.id).map((l) => l.level)).toEqual(["warn", "warn", "error"]);
    expect(logOf(r.id).some((l) => l.level === "error" && l.message.includes(reason))).toBe(true);
    const trail = auditEvents(getSqlite(), before).filter((e) => e.subjectType === "rollout" && e.subjectId === String(r.id));
    const lastFailure = trail.filter((e) => e.action === "rollout.hook_failed").at(-1)!;
    expect(lastFailure.details).toMatchObject({ hook: "load", stage: "per_step", status: 503, answer: "p95 1200ms > 600ms under load", attempt: 3, attempts: 3, final: true });
    expect(trail.at(-1)).toMatchObject({ action: "rollout.step_blocked", details: { event: { type: "step_blocked", reason, weight: 25 }, to: "failed" } });

    script("/load", [{ status: 200, body: "load test passed" }]);
    controlRollout(who("captain"), { rolloutId: r.id, command: "retry" });
    await rolloutWhen(r.id, (x) => x.status === "succeeded");
    expect(received.filter((x) => x.path === "/load")).toHaveLength(5); // the retried 25% step, then 100%
    expect(hookLines(r.id).at(-2)!.message).toMatch(/^hook "load" \(per-step\) attempt 1\/3: HTTP 200: load test passed/);
  }, 60_000);

  it("a hook that does not answer within its timeout holds the step before promotion", async () => {
    clearHooks();
    script("/e2e", ["hang"]);
    hook("e2e", "pre_promotion", { timeoutSeconds: "1" });
    const r = start([[50, 0], [100, 0]]);
    const held = await rolloutWhen(r.id, (x) => x.status === "failed");
    expect(held).toMatchObject({ stepIndex: 3, weight: 100, reason: 'Step hook "e2e" (pre-promotion) failed after 1 attempt: no answer (timed out after 1000 ms)' });
    expect(hookLines(r.id).map((l) => l.message.replace(/\(\d+ ms\)$/, "(N ms)"))).toEqual(['hook "e2e" (pre-promotion) attempt 1/1: no answer (timed out after 1000 ms) (N ms)']);
    const failure = auditEvents(getSqlite()).filter((e) => e.action === "rollout.hook_failed").at(-1)!;
    expect(failure.details).toMatchObject({ hook: "e2e", stage: "pre_promotion", status: null, error: "timed out after 1000 ms", attempt: 1 });

    // A disabled or removed hook no longer holds anything: the retry promotes.
    clearHooks();
    controlRollout(who("captain"), { rolloutId: r.id, command: "retry" });
    await rolloutWhen(r.id, (x) => x.status === "succeeded");
  }, 60_000);

  it("an abort while a hook is still waiting for its answer cancels the call: the rollback does not wait out the hook's timeout", async () => {
    clearHooks();
    script("/slow", ["hang"]);
    hook("slow", "per_step", { timeoutSeconds: "300" });
    const r = start([[30, 0], [100, 0]]);
    await until(() => (received.some((x) => x.path === "/slow") ? true : undefined), 30_000);
    controlRollout(who("oncall"), { rolloutId: r.id, command: "abort", reason: "load test stuck" });
    // The step job holds the target's lock; the rollback needs it: it runs once the hook is cancelled.
    await rolloutWhen(r.id, (x) => x.status === "rolled_back");
    expect(hookLines(r.id).map((l) => l.message)).toEqual(['hook "slow" (per-step) cancelled: the rollout moved on']);
    expect(auditEvents(getSqlite()).filter((e) => e.subjectId === String(r.id) && e.action.startsWith("rollout.hook_"))).toEqual([]);
    clearHooks();
  }, 60_000);
});
