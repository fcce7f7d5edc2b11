import { appendFileSync, chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { canary, rolloutWhen as waitForRollout, sampleApiOnLocalDriver } from "@/tests/support/local-world";
import { until } from "@/tests/support/wait";

// Runbook 000's promote criteria as gates (issue 13 item 3, H6, C4) end to end: the real worker
// drives the local driver's router and sample-service versions; the CI gate runs a real command
// (and calls a real local HTTP receiver), the smoke gate calls the canary, the log gate reads the
// canary's real log file, and a person attests through the service the rollout page calls.
const dir = mkdtempSync(path.join(tmpdir(), "fd-gates-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";
// The versions the local driver starts inherit this: /api/broken answers 503 (a failing smoke endpoint).
process.env.SAMPLE_FAILING_PATHS = "/api/broken";
// Commands never run as root (lib/drivers/shell.ts).
if (process.getuid?.() === 0) process.env.FLIGHTDECK_COMMAND_USER = "nobody";

const { getDb, getSqlite } = await import("@/db/client");
const { ciGateHistory, gateResultsOf } = await import("@/db/queries/promote-gates");
const { verificationOf } = await import("@/db/queries/changelog");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { updatePromoteGates } = await import("@/lib/services/promote-gates/update-promote-gates");
const { readPromoteGates } = await import("@/lib/services/promote-gates/read-promote-gates");
const { attestCorePath } = await import("@/lib/services/promote-gates/attest-core-path");
const { DEFAULT_CHECKLIST } = await import("@/lib/domain/promote-gates/config");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { AppError } = await import("@/lib/errors");
const { actorFor, auditEvents, insertUserWithRoles, lastAuditId } = await import("@/tests/support/db");

// Port block of this file: 4900-4949 (router, its admin port, version slots +10/+11); 4950-4999: tests/drivers/pm2-git-gates.test.ts.
const routerPort = 4900 + Math.floor(Math.random() * 4) * 2;
let runner: Awaited<ReturnType<typeof sampleApiOnLocalDriver>>["runner"];
let serviceId = 0;
let stagingId = 0;
let version = 1;
const ciDir = mkdtempSync(path.join(tmpdir(), "fd-gates-ci-"));
chmodSync(ciDir, 0o755);
// Passes once the file ci-ok exists in its directory; says why it fails otherwise.
const CI_COMMAND = `test -f ci-ok && echo "ci:gate all stages green for $FLIGHTDECK_COMMIT" || { echo "stage lint: 3 errors"; exit 1; }`;

const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);
const rolloutWhen = (id: number, ok: Parameters<typeof waitForRollout>[1]) => waitForRollout(id, ok, 60_000);
const results = (id: number) => Object.fromEntries(gateResultsOf(getDb(), id).map((g) => [g.gate, { ...g, evidence: JSON.parse(g.evidence) as Record<string, unknown> }]));
const canaryLog = (v: string) => path.join(dir, "local-driver", "sample-api-staging", `version-${v}.log`);

/** The AppError a service call throws (code, message, field errors), or fails the test. */
function refusal(fn: () => unknown): { code: string; message: string; fieldErrors?: Record<string, string[]> } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, message: err.message, fieldErrors: err.fieldErrors };
    throw err;
  }
  throw new Error("expected a refusal");
}

function setGates(fields: Record<string, unknown>, actor = who("admin")) {
  return updatePromoteGates(actor, { serviceId, rowVersion: readPromoteGates(getDb(), serviceId).rowVersion, ...fields });
}

function start(steps: [number, number][], actor = who("captain")) {
  const v = `1.${version++}.0`;
  return startRollout(actor, { serviceId, environmentId: stagingId, version: v, strategy: canary(steps), idempotencyKey: `gates-${v}` }).rollout;
}

// ---- a real HTTP receiver standing in for a CI status endpoint ---------------------------------
const ciAnswers: { status: number; body: string }[] = [];
const ciCalls: string[] = [];
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    ciCalls.push(req.url ?? "");
    const answer = ciAnswers[Math.min(ciCalls.length - 1, ciAnswers.length - 1)] ?? { status: 404, body: "" };
    res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const world = await sampleApiOnLocalDriver(routerPort, "gates-test-worker");
  ({ serviceId, runner } = world);
  stagingId = world.staging.id;
  const first = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: "1.0.0", strategy: canary([[100, 0]]), idempotencyKey: "gates-base" }).rollout;
  await rolloutWhen(first.id, (r) => r.status === "succeeded");
}, 90_000);

afterAll(async () => {
  await runner.stop();
  killDataPlane(dir);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("promote gates: settings", () => {
  it("an invalid critical pattern is refused on its field with the parser's words; nothing is saved", () => {
    const before = lastAuditId(getSqlite());
    const bad = refusal(() => setGates({ logPattern: "FATAL|(unclosed" }));
    expect(bad.code).toBe("INVALID");
    expect(bad.fieldErrors?.logPattern).toEqual(["The critical pattern is not a valid regular expression: /FATAL|(unclosed/: Unterminated group."]);
    const empty = refusal(() => setGates({ logPattern: "x*" }));
    expect(empty.fieldErrors?.logPattern?.[0]).toMatch(/matches an empty line/);
    // A CI command needs somewhere to run: sample-api is not built from git.
    const noDir = refusal(() => setGates({ ciKind: "command", ciCommand: "npm run ci:gate" }));
    expect(noDir.fieldErrors?.ciCwd).toEqual(["This service is not built from git, so there is no release directory: give the directory the command runs in."]);
    const badPath = refusal(() => setGates({ smokePaths: "/api/workspaces\napi/status" }));
    expect(badPath.fieldErrors?.smokePaths).toEqual(['Each smoke endpoint is a path starting with /, e.g. /api/workspaces (not "api/status").']);
    const badUrl = refusal(() => setGates({ ciKind: "url", ciUrl: `${base}/ci/{{sha}}` }));
    expect(badUrl.fieldErrors?.ciUrl?.[0]).toMatch(/not \{\{sha\}\}/);
    // Only admins (service.manage): the CI gate runs a command on the host.
    expect(refusal(() => setGates({ logPattern: "FATAL" }, who("captain"))).code).toBe("FORBIDDEN");
    expect(refusal(() => updatePromoteGates(who("admin"), { serviceId, rowVersion: 7, logPattern: "FATAL" })).code).toBe("CONFLICT");
    expect(readPromoteGates(getDb(), serviceId)).toMatchObject({ rowVersion: 0, config: { ci: null, smoke: null, logs: null, attestation: null } });
    expect(auditEvents(getSqlite(), before).filter((e) => e.action === "promote_gates.update")).toEqual([]);
  });

  it("a valid form is saved with its defaults and audited with before and after", () => {
    const before = lastAuditId(getSqlite());
    setGates({ logPattern: "/fatal|panic/i", attestRole: "service_owner" });
    const { config, rowVersion } = readPromoteGates(getDb(), serviceId);
    expect(rowVersion).toBe(1);
    expect(config).toEqual({ ci: null, smoke: null, logs: { pattern: "/fatal|panic/i", quietMs: 600_000 }, attestation: { role: "service_owner", checklist: [...DEFAULT_CHECKLIST] } });
    const [event] = auditEvents(getSqlite(), before).filter((e) => e.action === "promote_gates.update");
    expect(event).toMatchObject({ actorLabel: "admin@flightdeck.local", subjectType: "service", details: { service: "sample-api", before: null, after: config } });
    setGates({}); // all off again
  });
});

describe("promote gates through the worker and the local driver", () => {
  it("promotion is refused with every reason: CI failing on the commit, a smoke endpoint failing, a critical log line (with context), no attestation yet", async () => {
    setGates({ ciKind: "command", ciCommand: CI_COMMAND, ciCwd: ciDir, logPattern: "/FATAL|panic/i", logQuietSeconds: "2", attestRole: "service_owner" });
    const before = lastAuditId(getSqlite());
    const r = start([[50, 0]]);
    const held = await rolloutWhen(r.id, (x) => x.status === "failed");
    expect(held).toMatchObject({ stepIndex: 2, weight: 50, failedDuring: "step" });
    expect(held.reason).toContain(`Promotion refused by its gates: CI gate on the same commit: CI command "${CI_COMMAND}" failed (exit 1) on ${r.toVersion}: stage lint: 3 errors.`);

    // The canary logs a critical line (its real log file), and the smoke list gets a failing endpoint.
    appendFileSync(canaryLog(r.toVersion), ["GET /api/tasks 200", "orchestrator: 3 tasks queued", "FATAL orchestrator lost its queue connection", "retrying in 5 s", "GET /api/workspaces 200", ""].join("\n"));
    setGates({ ciKind: "command", ciCommand: CI_COMMAND, ciCwd: ciDir, smokePaths: "/api/workspaces\n/api/broken", smokeTimeoutSeconds: "5", logPattern: "/FATAL|panic/i", logQuietSeconds: "2", attestRole: "service_owner" });
    controlRollout(who("captain"), { rolloutId: r.id, command: "retry" });
    const again = await rolloutWhen(r.id, (x) => x.status === "failed" && x.rowVersion > held.rowVersion + 1);
    const reason = again.reason!;
    expect(reason.startsWith("Promotion refused by its gates: ")).toBe(true);
    expect(reason).toContain("CI gate on the same commit: CI command");
    expect(reason).toContain("Canary smoke endpoints: /api/broken: HTTP 503");
    expect(reason).toContain('No critical lines in the canary\'s logs: 1 line match the critical pattern /FATAL|panic/i, first: "FATAL orchestrator lost its queue connection"');
    expect(reason).toContain("Core path validated by a person: waiting for a Service owner to validate Task create, Orchestrate, State transition to hitl_review/completed on the canary and attest");
    expect(again.weight).toBe(50); // nothing promoted

    const g = results(r.id);
    expect(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.status]))).toEqual({ attestation: "pending", ci: "failed", logs: "failed", smoke: "failed" });
    expect(g.logs!.evidence.matches).toEqual([
      { file: canaryLog(r.toVersion), line: expect.any(Number) as number, text: "FATAL orchestrator lost its queue connection", before: ["GET /api/tasks 200", "orchestrator: 3 tasks queued"], after: ["retrying in 5 s", "GET /api/workspaces 200"] },
    ]);
    expect(g.smoke!.evidence.checks).toEqual([
      expect.objectContaining({ path: "/api/workspaces", status: 200, ok: true }),
      expect.objectContaining({ path: "/api/broken", status: 503, ok: false, detail: "HTTP 503" }),
    ]);
    expect(g.ci!.evidence).toMatchObject({ kind: "command", code: 1, output: "stage lint: 3 errors\n" });

    // CI gate history of the commit: both runs failed (a failure is run again at each evaluation).
    expect(ciGateHistory(getDb(), serviceId, r.toVersion).map((h) => [h.passed, h.code, h.rolloutId])).toEqual([
      [false, 1, r.id],
      [false, 1, r.id],
    ]);
    const evaluations = auditEvents(getSqlite(), before).filter((e) => e.action === "rollout.gates_evaluated");
    expect(evaluations.map((e) => [e.actorLabel, e.details.outcome])).toEqual([
      ["worker", "failed"],
      ["worker", "failed"],
    ]);
    expect((evaluations[1]!.details.gates as { gate: string; status: string }[]).map((x) => [x.gate, x.status])).toEqual([
      ["ci", "failed"],
      ["smoke", "failed"],
      ["logs", "failed"],
      ["attestation", "pending"],
    ]);
    const blocked = auditEvents(getSqlite(), before).filter((e) => e.action === "rollout.step_blocked").at(-1)!;
    expect(blocked.details).toMatchObject({ event: { type: "step_blocked", reason }, to: "failed" });

    controlRollout(who("oncall"), { rolloutId: r.id, command: "abort", reason: "gates refused" });
    await rolloutWhen(r.id, (x) => x.status === "rolled_back");
    // C4: the post-rollback verification probes the listed endpoints on the restored version too.
    const verification = await until(() => {
      const v = verificationOf(getDb(), r.id);
      return v && v.attempts >= 1 ? v : undefined;
    }, 60_000);
    const probes = JSON.parse(verification.probes) as { kind: string; url?: string; ok: boolean; detail: string }[];
    expect(probes.filter((p) => p.kind === "smoke" && /\/api\/(broken|workspaces)$/.test(p.url ?? "")).map((p) => [p.url!.replace(/^.*\/api/, "/api"), p.ok, p.detail])).toEqual([
      ["/api/workspaces", true, "HTTP 200"],
      ["/api/broken", false, "HTTP 503"],
    ]);
  }, 120_000);

  it("Promote now waits while the quiet period runs and no one attested; the wrong role and the starter are refused; once attested and quiet, it promotes by itself", async () => {
    writeFileSync(path.join(ciDir, "ci-ok"), "");
    chmodSync(path.join(ciDir, "ci-ok"), 0o644);
    setGates({ ciKind: "command", ciCommand: CI_COMMAND, ciCwd: ciDir, smokePaths: "/api/workspaces\n/api/openclaw/status", logPattern: "/FATAL|panic/i", logQuietSeconds: "30", attestRole: "service_owner" });
    const starter = insertUserWithRoles(getDb(), "captain-owner@flightdeck.local", ["release_captain", "service_owner"]);
    const before = lastAuditId(getSqlite());
    const r = start([[25, 3600]], starter);
    await rolloutWhen(r.id, (x) => x.status === "running" && x.phase === "hold" && x.weight === 25);
    controlRollout(who("captain"), { rolloutId: r.id, command: "promote" });

    const waiting = await rolloutWhen(r.id, (x) => x.status === "failed");
    expect(waiting.reason).toMatch(/^Promotion waits for its gates: No critical lines in the canary's logs: No critical line so far; quiet period (\d+ min )?\d+ s left\. Core path validated by a person: waiting for a Service owner/);
    const g = results(r.id);
    expect(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.status]))).toEqual({ attestation: "pending", ci: "passed", logs: "pending", smoke: "passed" });
    expect(g.ci!.summary).toMatch(new RegExp(`^CI command ".*" passed on ${r.toVersion.replace(/\./g, "\\.")}: ci:gate all stages green for ${r.toVersion.replace(/\./g, "\\.")}$`));

    // Attestation: only a Service owner, never the one who started the rollout, every item ticked, once.
    const wrongRole = refusal(() => attestCorePath(who("dev"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST] }));
    expect(wrongRole).toMatchObject({ code: "FORBIDDEN", message: "Only a Service owner can attest the core path of this service." });
    expect(refusal(() => attestCorePath(starter, { rolloutId: r.id, items: [...DEFAULT_CHECKLIST] }))).toMatchObject({
      code: "FORBIDDEN",
      message: "You started this rollout: a Service owner other than you attests its core path.",
    });
    const partly = refusal(() => attestCorePath(who("owner"), { rolloutId: r.id, items: ["Task create", "Orchestrate"] }));
    expect(partly).toMatchObject({ code: "INVALID", fieldErrors: { items: ["Tick every item you validated on the canary; not ticked: State transition to hitl_review/completed."] } });
    expect(auditEvents(getSqlite(), before).filter((e) => e.action === "rollout.core_path_attested")).toEqual([]);
    attestCorePath(who("owner"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST], note: "checked on the canary port" });
    expect(refusal(() => attestCorePath(who("owner"), { rolloutId: r.id, items: [...DEFAULT_CHECKLIST] }))).toMatchObject({ code: "CONFLICT" });

    // The re-check sees the attestation at once; the quiet period then ends and the worker promotes.
    await until(() => (results(r.id).attestation?.status === "passed" ? true : undefined), 30_000);
    expect(results(r.id).logs!.status).toBe("pending");
    const done = await rolloutWhen(r.id, (x) => x.status === "succeeded");
    expect(done.weight).toBe(100);
    const final = results(r.id);
    expect(Object.values(final).map((x) => x.status)).toEqual(["passed", "passed", "passed", "passed"]);
    expect(final.logs!.summary).toMatch(/^No line matched \/FATAL\|panic\/i in \d+ lines? over/);
    expect(final.attestation!.evidence).toMatchObject({ by: "owner@flightdeck.local", items: [...DEFAULT_CHECKLIST], note: "checked on the canary port" });

    const trail = auditEvents(getSqlite(), before).filter((e) => e.subjectType === "rollout" && e.subjectId === String(r.id));
    const attested = trail.find((e) => e.action === "rollout.core_path_attested")!;
    expect(attested).toMatchObject({ actorLabel: "owner@flightdeck.local", details: { role: "service_owner", items: [...DEFAULT_CHECKLIST] } });
    // Waiting, then attested (status changed), then passed: evaluations are audited when something changed.
    const outcomes = trail.filter((e) => e.action === "rollout.gates_evaluated").map((e) => e.details.outcome);
    expect(outcomes[0]).toBe("pending");
    expect(outcomes.at(-1)).toBe("passed");
    expect(outcomes.length).toBeLessThan(6);
    expect(trail.some((e) => e.action === "rollout.retry" && e.actorLabel === "worker")).toBe(true);
    // The commit's CI ran once: its pass is kept for the commit.
    expect(ciGateHistory(getDb(), serviceId, r.toVersion).map((h) => h.passed)).toEqual([true]);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 150_000);

  it("CI by URL: {{commit}} is filled in, 503 refuses promotion with the answer, 200 after Retry promotes; the history keeps both", async () => {
    setGates({ ciKind: "url", ciUrl: `${base}/ci/{{commit}}?service={{service}}`, ciTimeoutSeconds: "5" });
    ciAnswers.splice(0, ciAnswers.length, { status: 503, body: "pipeline running: stage e2e" }, { status: 200, body: "green" });
    ciCalls.length = 0;
    const r = start([[100, 0]]);
    const held = await rolloutWhen(r.id, (x) => x.status === "failed");
    expect(held.reason).toBe(`Promotion refused by its gates: CI gate on the same commit: CI status failed on ${r.toVersion}: HTTP 503: pipeline running: stage e2e.`);
    expect(ciCalls).toEqual([`/ci/${r.toVersion}?service=sample-api`]);
    controlRollout(who("captain"), { rolloutId: r.id, command: "retry" });
    await rolloutWhen(r.id, (x) => x.status === "succeeded");
    expect(ciGateHistory(getDb(), serviceId, r.toVersion).map((h) => [h.kind, h.passed, h.code, h.output])).toEqual([
      ["url", true, 200, "green"],
      ["url", false, 503, "pipeline running: stage e2e"],
    ]);
    setGates({});
  }, 90_000);
});
