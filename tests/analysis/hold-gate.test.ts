import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCurrentDb, makeTempDir, useFreshDb as freshDb } from "@/tests/support/db";

// DESIGN rule 9 at the hold gate: a hold whose time is up ends only on a recent `pass`.
const { dir, cleanup } = makeTempDir("fd-gate-");
const { db } = freshDb(dir);
const { seedDemo } = await import("@/db/seed");
const { insertRollout, findRollout } = await import("@/db/queries/rollouts");
const { findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
const { saveAnalysisState, putServiceAnalysis } = await import("@/db/queries/analysis");
const { analysisHoldReason } = await import("@/lib/analysis-view");
const { loadRolloutView } = await import("@/lib/rollout-view");

const now = Date.now();
let id = 0;
let serviceId = 0;
beforeAll(async () => {
  await seedDemo(db);
  serviceId = findServiceByName(db, "sample-api")!.id;
  id = insertRollout(db, {
    serviceId,
    environmentId: findEnvironmentByName(db, "staging")!.id,
    fromVersion: "1.0.0",
    toVersion: "1.1.0",
    strategy: "{}",
    plan: JSON.stringify([{ kind: "deploy" }, { kind: "shift", weight: 10, holdMs: 1000 }, { kind: "promote" }]),
    status: "running",
    stepIndex: 1,
    phase: "hold",
    weight: 10,
    holdEndsAt: now - 1,
    idempotencyKey: "gate",
    createdAt: now - 60_000,
    updatedAt: now,
  }).id;
});
afterAll(() => {
  closeCurrentDb();
  cleanup();
});

const verdict = (v: "pass" | "fail" | "inconclusive" | "error", at: number, reasons: string[] = []) =>
  saveAnalysisState(db, { rolloutId: id, state: "{}", verdict: v, reasons: JSON.stringify(reasons), health: null, score: null, canary: null, baseline: null, evaluatedAt: at, evidence: null });

describe("the hold gate", () => {
  it("no verdict yet holds", () => {
    expect(analysisHoldReason(db, findRollout(db, id)!, now)).toBe("analysis has no recent verdict");
  });
  it.each([
    ["inconclusive", ["too few canary requests (4 < 10 in 10 s)"], "analysis inconclusive: too few canary requests (4 < 10 in 10 s)"],
    ["error", ["metrics provider failed: Prometheus at http://127.0.0.1:9 unreachable"], "analysis error: metrics provider failed: Prometheus at http://127.0.0.1:9 unreachable"],
    ["fail", ["rolled back: canary 5xx 20% > 5% for 1.2 s; baseline 0%"], "analysis fail: rolled back: canary 5xx 20% > 5% for 1.2 s; baseline 0%"],
  ] as const)("a recent %s holds, with the reason", (v, reasons, expected) => {
    verdict(v, now - 500, [...reasons]);
    expect(analysisHoldReason(db, findRollout(db, id)!, now)).toBe(expected);
    expect(loadRolloutView(db, id)!.heldBy).toBe(expected);
  });
  it("a stale pass holds (the analysis stopped)", () => {
    verdict("pass", now - 10_000);
    expect(analysisHoldReason(db, findRollout(db, id)!, now)).toBe("analysis has no recent verdict");
  });
  it("a recent pass lets the hold end", () => {
    verdict("pass", now - 500);
    expect(analysisHoldReason(db, findRollout(db, id)!, now)).toBeNull();
  });
  it("with analysis off nothing holds", () => {
    putServiceAnalysis(db, serviceId, JSON.stringify({ enabled: false }), now);
    verdict("error", now - 500);
    expect(analysisHoldReason(db, findRollout(db, id)!, now)).toBeNull();
  });
});
