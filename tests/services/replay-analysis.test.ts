import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { insertDecision } from "@/db/queries/analysis";
import { findEnvironmentByName, findServiceByName, insertService } from "@/db/queries/catalog";
import { insertRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { DEMO_ANALYSIS_INPUT } from "@/lib/domain/analysis/config";
import { UPSERT_SAMPLE_SQL, sparseOf } from "@/lib/drivers/local/latency-hist.mjs";
import { ForbiddenError, InvalidError } from "@/lib/errors";
import { replayAnalysis } from "@/lib/services/analysis/replay-analysis";
import { actorFor, buildSeededTemplate, closeCurrentDb, expectRefusedWithoutWrites, makeTempDir, snapshot, useFreshDb } from "../support/db";

// Replay a draft analysis config over past rollouts (issue 9 part 5, I7) on real SQLite: a bad
// canary that really rolled back and a clean one that promoted, their audit trails and samples.
const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let sampleId = 0;
let badId = 0;
let goodId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
afterEach(() => closeCurrentDb());

const admin = () => actorFor(db, "admin@flightdeck.local");
const system = { kind: "system", label: "worker" } as const;

/** A finished rollout 5% -> 100% with its audit trail (`stop`: where it ended) and per-second samples. */
function pastRollout(o: { toVersion: string; t0: number; errorsPerSecond: number; stop: "rolled_back" | "succeeded" }): number {
  const sample = findServiceByName(db, "sample-api")!;
  const staging = findEnvironmentByName(db, "staging")!;
  const end = o.stop === "rolled_back" ? o.t0 + 6_000 : o.t0 + 14_000;
  const plan = [{ kind: "shift", weight: 5, holdMs: 10_000 }, { kind: "promote" }];
  const id = insertRollout(db, {
    serviceId: sample.id,
    environmentId: staging.id,
    fromVersion: "1.0.0",
    toVersion: o.toVersion,
    strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 5, holdSeconds: 10 }, { weight: 100, holdSeconds: 0 }] }),
    plan: JSON.stringify(plan),
    status: o.stop,
    stepIndex: o.stop === "rolled_back" ? 0 : 1,
    phase: "start",
    weight: o.stop === "rolled_back" ? 0 : 100,
    reason: o.stop === "rolled_back" ? "analysis: rolled back" : null,
    idempotencyKey: `replay-${o.toVersion}-${o.t0}`,
    createdAt: o.t0,
    updatedAt: end,
    finishedAt: end,
  }).id;
  const states: [number, string, string, number, number][] =
    o.stop === "rolled_back"
      ? [[0, "start", "running", 0, 0], [300, "step_succeeded", "running", 0, 5], [5_000, "abort", "rolling_back", 0, 5], [6_000, "rollback_succeeded", "rolled_back", 0, 0]]
      : [[0, "start", "running", 0, 0], [300, "step_succeeded", "running", 0, 5], [10_300, "hold_elapsed", "running", 1, 5], [12_000, "step_succeeded", "running", 1, 100], [14_000, "step_succeeded", "succeeded", 1, 100]];
  writeTransaction(db, (tx) => {
    for (const [dt, type, to, stepIndex, weight] of states) {
      recordAudit(tx, { actor: system, action: type === "start" ? "rollout.start" : type === "abort" ? "rollout.abort" : "rollout.step_succeeded", subjectType: "rollout", subjectId: id, environment: "staging", details: { event: { type }, to, stepIndex, weight, version: o.toVersion }, at: o.t0 + dt });
    }
    if (o.stop === "rolled_back") {
      insertDecision(tx, { rolloutId: id, at: o.t0 + 5_000, kind: "rollback_immediate", verdict: "fail", ruleId: "002-5xx-5", source: "runbook 002", metric: "error_rate", comparison: "absolute", canaryValue: 50, baselineValue: 0, threshold: 5, windowSeconds: 4, forMs: 1200, satisfiedAt: o.t0 + 5_000, sentence: "rolled back: canary 5xx 50% (20/40) vs baseline 0% (0/760) > 5%", outcome: "rollback (immediate)", evidence: null });
    }
  });
  const upsert = sqlite.prepare(UPSERT_SAMPLE_SQL);
  const lat = (n: number) => Array.from({ length: n }, (_, i) => 4 + (i % 5) * 0.5);
  for (let s = o.t0 / 1000 - 15; s < end / 1000; s++) {
    upsert.run(sample.id, staging.id, s, "baseline", "1.0.0", 95, 0, 5, 6, 6, 5, JSON.stringify(sparseOf(lat(95))));
    if (s >= o.t0 / 1000) upsert.run(sample.id, staging.id, s, "canary", o.toVersion, 10, o.errorsPerSecond, 5, 6, 6, 5, JSON.stringify(sparseOf(lat(10))));
  }
  return id;
}

const input = (config: unknown = DEMO_ANALYSIS_INPUT, limit?: string) => ({ serviceId: String(sampleId), config: typeof config === "string" ? config : JSON.stringify(config), ...(limit ? { limit } : {}) });

describe("replaying a draft analysis config over past rollouts", () => {
  beforeEach(() => {
    ({ db, sqlite } = useFreshDb(tmp.dir, template));
    sampleId = findServiceByName(db, "sample-api")!.id;
    const t0 = Math.ceil(Date.now() / 1000) * 1000 + 60_000;
    badId = pastRollout({ toVersion: "1.1.0-bad", t0, errorsPerSecond: 5, stop: "rolled_back" });
    goodId = pastRollout({ toVersion: "1.2.0", t0: t0 + 60_000, errorsPerSecond: 0, stop: "succeeded" });
  });

  it("shows, newest first, what really happened and what the draft would have decided and when; nothing is written", async () => {
    const before = snapshot(sqlite);
    const r = await replayAnalysis(admin(), input());
    expect(snapshot(sqlite)).toEqual(before);
    expect(r).toMatchObject({ service: "sample-api", message: null });
    expect(r.note).toMatch(/first 2 h/);
    expect(r.rows.map((x) => x.rollout.id)).toEqual([goodId, badId]);
    const [good, bad] = r.rows;
    expect(good).toMatchObject({ rollout: { fromVersion: "1.0.0", toVersion: "1.2.0", environment: "staging", status: "succeeded" }, real: { status: "succeeded", decision: null } });
    expect(good!.draft).toMatchObject({ outcome: { kind: "passed" }, sentence: "would have passed every step" });
    expect(bad!.real).toMatchObject({ status: "rolled_back", decision: { kind: "rollback_immediate", afterSeconds: 5, sentence: expect.stringMatching(/^rolled back: canary 5xx 50%/) as unknown } });
    expect(bad!.draft!.outcome).toMatchObject({ kind: "decision", decision: { kind: expect.stringMatching(/^rollback_/) as unknown } });
    const at = (bad!.draft!.outcome as { afterSeconds: number }).afterSeconds;
    expect(at).toBeGreaterThan(1);
    expect(at).toBeLessThanOrEqual(5);
  });

  it("a stricter draft would have held the clean canary; the limit takes the newest rollouts", async () => {
    const strict = { ...DEMO_ANALYSIS_INPUT, sequential: { requireSafety: true } };
    const r = await replayAnalysis(admin(), input(strict, "1"));
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]!.draft!.sentence).toMatch(/^would have held at 10\.3 s: analysis inconclusive: awaiting evidence of safety/);
  });

  it("an invalid draft gets the same field errors as Save", async () => {
    const err = (await replayAnalysis(admin(), input({ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "hold" }] }, "51")).catch((e: unknown) => e)) as InvalidError;
    expect(err).toBeInstanceOf(InvalidError);
    expect(err.fieldErrors).toEqual({ config: ["Rule 1, for seconds: Duration must be above 0 s."], limit: ["Replay at most 50 rollouts."] });
    const json = (await replayAnalysis(admin(), input("{not json")).catch((e: unknown) => e)) as InvalidError;
    expect(json.fieldErrors).toEqual({ config: ["Analysis config must be valid JSON."] });
  });

  it("needs the permission that edits analysis config: other roles are refused and nothing is written", async () => {
    for (const email of ["captain@flightdeck.local", "oncall@flightdeck.local", "viewer@flightdeck.local"]) {
      await expectRefusedWithoutWrites(sqlite, () => replayAnalysis(actorFor(db, email), input()), ForbiddenError);
    }
  });
});

describe("a service without past rollouts", () => {
  beforeEach(() => {
    ({ db, sqlite } = useFreshDb(tmp.dir, template));
    sampleId = findServiceByName(db, "sample-api")!.id;
  });

  it("answers with a clear message", async () => {
    const r = await replayAnalysis(admin(), input());
    expect(r).toMatchObject({ service: "sample-api", rows: [], message: "No past rollouts of sample-api with a baseline to replay." });
    const now = Date.now();
    const other = insertService(db, { name: "quiet-api", owner: "team", deployTarget: JSON.stringify({ driver: "command", deploy: "true" }), createdAt: now, updatedAt: now });
    expect((await replayAnalysis(admin(), { ...input(), serviceId: String(other.id) })).message).toBe("No past rollouts of quiet-api with a baseline to replay.");
  });
});
