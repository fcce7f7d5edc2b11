import { FlagdCore } from "@openfeature/flagd-core";
import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor, SystemActor } from "@/lib/domain/actor";
import { DEFAULT_ANALYSIS } from "@/lib/domain/analysis/config";
import { createTokenInput } from "@/lib/domain/api-token";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { autoRollback } from "@/lib/services/analysis/auto-rollback";
import { createFlag } from "@/lib/services/flags/create-flag";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";
import { actAs } from "../support/request-double";

// The session cookie is next-auth's (the external boundary, doubled); the bearer path is all ours.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const flagsRoute = await import("@/app/api/flags/route");

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let viewer: Actor;
const WORKER: SystemActor = { kind: "system", label: "worker" };
const KEY = "release_20250814";
const KEYS = 10_000;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  captain = insertUserWithRoles(db, "cap@example.test", ["release_captain"]);
  viewer = insertUserWithRoles(db, "view@example.test", ["viewer"]);
  actAs(null);
});
afterEach(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

const getFlags = (headers: Record<string, string> = {}) => flagsRoute.GET(new Request("http://localhost/api/flags", { headers: { "x-forwarded-for": "198.51.100.9", ...headers } }), {});

/** The served definition, loaded into OpenFeature's flagd evaluator as flagd would load it. */
async function servedEvaluator(headers: Record<string, string>) {
  const res = await getFlags(headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const core = new FlagdCore();
  core.setConfigurations(await res.text());
  return core;
}

/** Share of KEYS distinct targeting keys the flag is on for, and the reasons flagd gave. */
function evaluate(core: FlagdCore) {
  let on = 0;
  const reasons = new Set<string>();
  for (let i = 0; i < KEYS; i++) {
    const r = core.resolveBooleanEvaluation(KEY, false, { targetingKey: `user-${i}` });
    if (r.value) on++;
    reasons.add(r.reason ?? "");
  }
  return { share: on / KEYS, reasons: [...reasons] };
}

/** A 25% canary of sample-api in staging, as the worker reports it through the rollout engine. */
function canaryAt25(): number {
  const serviceId = findServiceByName(db, "sample-api")!.id;
  const environmentId = findEnvironmentByName(db, "staging")!.id;
  createFlag(captain, { key: KEY, description: "Elite AI endpoints", rolloutPercentage: 0, serviceId, environmentId });
  const input = startRolloutInput.parse({ serviceId, environmentId, version: "2.0.0", strategy: { kind: "canary", steps: [{ weight: 25, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] }, idempotencyKey: "flags-route" });
  const id = startRollout(captain, input).rollout.id;
  for (const weight of [0, 25]) {
    writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, id)!, { type: "step_succeeded", at: Date.now(), weight }, { actor: WORKER, environment: "staging" }, Date.now()));
  }
  return id;
}

describe("GET /api/flags: the flagd definition", () => {
  it("a canary at 25% serves the flag at 25%: flagd's evaluator turns it on for 25% +-2% of 10,000 keys; an immediate rollback disables it", async () => {
    const token = createApiToken(viewer, createTokenInput.parse({ name: "flagd sync", scopes: ["read"] })).secret;
    const id = canaryAt25();
    const at25 = await servedEvaluator({ authorization: `Bearer ${token}` });
    expect(at25.getFlag(KEY)).toMatchObject({ state: "ENABLED", defaultVariant: "off" });
    const { share, reasons } = evaluate(at25);
    expect(share).toBeGreaterThanOrEqual(0.23);
    expect(share).toBeLessThanOrEqual(0.27);
    expect(reasons).toEqual(["TARGETING_MATCH"]);

    // Runbook 002's decision matrix: 5xx > 5% -> immediate rollback, here the analysis's own path.
    writeTransaction(db, (tx) =>
      autoRollback(
        tx,
        findRollout(tx, id)!,
        { kind: "rollback_immediate", ruleId: "002-5xx-5", source: "runbook 002", metric: "error_rate", comparison: "gt", canary: 7, baseline: 0, threshold: 5, windowSeconds: 60, forMs: 60_000, satisfiedAt: Date.now(), sentence: "canary 5xx 7% > 5%" } as never,
        { cfg: DEFAULT_ANALYSIS, environment: "staging", at: Date.now() },
      ),
    );
    const off = await servedEvaluator({ authorization: `Bearer ${token}` });
    expect(off.getFlag(KEY)).toMatchObject({ state: "DISABLED" });
    expect(evaluate(off)).toEqual({ share: 0, reasons: ["DISABLED"] });
  });

  it("each key is stable across evaluations and the share follows the percentage", async () => {
    actAs(viewer.id);
    createFlag(captain, { key: KEY, enabled: true, rolloutPercentage: 60 });
    const a = evaluate(await servedEvaluator({}));
    const b = evaluate(await servedEvaluator({}));
    expect(a).toEqual(b);
    expect(Math.abs(a.share - 0.6)).toBeLessThanOrEqual(0.02);
  });

  it("any signed-in person reads it; without credentials it is 401, audited, nothing served", async () => {
    createFlag(captain, { key: KEY, enabled: true, rolloutPercentage: 10 });
    const last = lastAuditId(sqlite);
    const anonymous = await getFlags();
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(await anonymous.json())).not.toContain(KEY);
    expect(auditEvents(sqlite, last)).toEqual([expect.objectContaining({ action: "action.refused", subjectId: "flag.read" })]);
    actAs(viewer.id);
    const res = await getFlags();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ $schema: "https://flagd.dev/schema/v0/flags.json", flags: { [KEY]: { state: "ENABLED" } } });
  });
});
