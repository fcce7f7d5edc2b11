import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FlagdCore } from "@openfeature/flagd-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { killDataPlane } from "@/tests/support/data-plane";
import { expectWeightedSplit } from "@/tests/support/split";
import { versionsSeen } from "@/tests/support/traffic";
import { canary, rolloutWhen, sampleApiOnLocalDriver } from "@/tests/support/local-world";

// Runbook 002 end to end on real processes: the worker drives the local driver's router and
// versions, the bound flag follows in the same transactions, and the served /api/flags definition
// is evaluated by OpenFeature's flagd evaluator as an application would.
const dir = mkdtempSync(path.join(tmpdir(), "fd-flags-"));
process.env.FLIGHTDECK_DB = path.join(dir, "flightdeck.db");
process.env.FLIGHTDECK_DEMO = "1";

vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const { getDb, getSqlite } = await import("@/db/client");
const { startRollout } = await import("@/lib/services/rollouts/start-rollout");
const { controlRollout } = await import("@/lib/services/rollouts/control-rollout");
const { createFlag } = await import("@/lib/services/flags/create-flag");
const { createApiToken } = await import("@/lib/services/tokens/create-api-token");
const { createTokenInput } = await import("@/lib/domain/api-token");
const { verifyAuditChain } = await import("@/lib/audit/verify");
const { actorFor, auditEvents } = await import("@/tests/support/db");
const flagsRoute = await import("@/app/api/flags/route");

// Port block of this file: 14000-15999.
const routerPort = 14_000 + Math.floor(Math.random() * 10) * 200;
const KEY = "release_20250814";
let runner: Awaited<ReturnType<typeof sampleApiOnLocalDriver>>["runner"];
let token = "";
let serviceId = 0;
let stagingId = 0;

const who = (name: string) => actorFor(getDb(), `${name}@flightdeck.local`);

/** GET /api/flags with a read-scope token (what flagd's HTTP sync would send), loaded into flagd's evaluator. */
async function served() {
  const res = await flagsRoute.GET(new Request("http://localhost/api/flags", { headers: { authorization: `Bearer ${token}` } }), {});
  expect(res.status).toBe(200);
  const core = new FlagdCore();
  core.setConfigurations(await res.text());
  let on = 0;
  for (let i = 0; i < 10_000; i++) if (core.resolveBooleanEvaluation(KEY, false, { targetingKey: `user-${i}` }).value) on++;
  return { state: core.getFlag(KEY)?.state, share: on / 10_000 };
}

beforeAll(async () => {
  const world = await sampleApiOnLocalDriver(routerPort, "flags-test-worker");
  ({ serviceId, runner } = world);
  stagingId = world.staging.id;
  token = createApiToken(who("viewer"), createTokenInput.parse({ name: "flagd", scopes: ["read"] })).secret;
  const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: "1.0.0", strategy: canary([[100, 0]]), idempotencyKey: "flags-base" });
  await rolloutWhen(rollout.id, (r) => r.status === "succeeded");
}, 60_000);

afterAll(async () => {
  await runner.stop();
  killDataPlane(dir);
});

describe("a flag bound to sample-api in staging follows its canary through the worker", () => {
  it("25% of traffic on the canary = the flag on for 25% +-2% of 10,000 keys; on-call's abort switches it off at once", async () => {
    const flag = createFlag(who("captain"), { key: KEY, description: "Elite AI endpoints", rolloutPercentage: 0, serviceId, environmentId: stagingId });
    expect(await served()).toEqual({ state: "DISABLED", share: 0 });

    const { rollout } = startRollout(who("captain"), { serviceId, environmentId: stagingId, version: "1.1.0", strategy: canary([[25, 600], [100, 0]]), idempotencyKey: "flags-canary" });
    await rolloutWhen(rollout.id, (r) => r.weight === 25 && r.phase === "hold");
    expectWeightedSplit(await versionsSeen(routerPort, 400), { stable: "1.0.0", canary: "1.1.0", weight: 25 });
    const at25 = await served();
    expect(at25.state).toBe("ENABLED");
    expect(Math.abs(at25.share - 0.25)).toBeLessThanOrEqual(0.02);

    controlRollout(who("oncall"), { rolloutId: rollout.id, command: "abort", reason: "5xx above 5%" });
    expect(await served()).toEqual({ state: "DISABLED", share: 0 });
    await rolloutWhen(rollout.id, (r) => r.status === "rolled_back");
    expect(await versionsSeen(routerPort, 20)).toEqual({ "1.0.0": 20 });
    expect(await served()).toEqual({ state: "DISABLED", share: 0 });

    const trail = auditEvents(getSqlite()).filter((e) => e.subjectType === "flag" && e.subjectId === String(flag.id));
    expect(trail.map((e) => [e.action, e.actorLabel, e.details.rolloutId ?? null, e.details.after ?? null])).toEqual([
      ["flag.create", "captain@flightdeck.local", null, null],
      ["flag.rollout_set", "worker", rollout.id, { enabled: true, rolloutPercentage: 25 }],
      ["flag.disabled", "oncall@flightdeck.local", rollout.id, { enabled: false, rolloutPercentage: 0 }],
    ]);
    expect(verifyAuditChain(getSqlite()).intact).toBe(true);
  }, 60_000);
});
