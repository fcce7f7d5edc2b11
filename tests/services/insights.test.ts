import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import { openIncidentInput } from "@/lib/domain/incidents/inputs";
import { releaseCommandInput } from "@/lib/domain/release/inputs";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { changeIncidentStatus } from "@/lib/services/incidents/change-incident-status";
import { openIncident } from "@/lib/services/incidents/open-incident";
import { backfillTimeFacts } from "@/lib/services/insights/time-facts";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { createRollout } from "@/lib/services/rollouts/create-rollout";
import { insightsFor } from "@/lib/views/insights";
import { actorFor, insertUserWithRoles } from "../support/db";
import { DEMO, MIN, freshSeededDbPerTest, newRelease, passPreflight, walkRolloutToSuccess } from "../support/governance";
import { actAs } from "../support/request-double";

vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});
const exportRoute = await import("@/app/api/insights/export/route");

// Insights on a real database, on a virtual clock: rollouts driven through the machine and the
// services at chosen instants, then the four keys, the trend and the CSV exports read back.
let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const SEC = 1000;
const DAY = 86_400_000;
/**
 * A Monday, 00:00 UTC, a week after the seed's own records: the audit trail never goes back in
 * time (an event is never dated before the one it follows), so the virtual clock runs after the seed.
 */
const T0 = (() => {
  const day = Math.floor((Date.now() + 7 * DAY) / DAY) * DAY;
  return day + ((8 - new Date(day).getUTCDay()) % 7) * DAY;
})();
const dayOf = (n: number) => new Date(T0 + n * DAY).toISOString().slice(0, 10);
const WORKER = { kind: "system", label: "worker" } as const;
const who = (name: string): Actor => actorFor(db, DEMO(name));

/** A rollout of sample-api in production created at `at`, then each event at its own instant. */
function drive(key: string, at: number, events: [number, RolloutEvent][], details: Record<string, unknown> = {}): RolloutRow {
  const env = findEnvironmentByName(db, "production")!;
  const strategy = strategySchema.parse({ kind: "canary", steps: [{ weight: 25, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] });
  let r = writeTransaction(db, (tx) =>
    createRollout(tx, { actor: who("captain"), serviceId: findServiceByName(db, "sample-api")!.id, environment: env, fromVersion: "1.0.0", toVersion: key, strategy, idempotencyKey: key, details }, at),
  );
  for (const [t, e] of events) r = writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, r.id)!, e, { actor: WORKER, environment: env.name }, t));
  return r;
}

const ok = (at: number): [number, RolloutEvent] => [at, { type: "step_succeeded", at }];
const query = (over: Record<string, string> = {}) => ({ from: dayOf(0), to: dayOf(6), ...over });

describe("Insights from Flightdeck's own records", () => {
  it("computes the four keys, the daily trend and the CSV exports; an empty range says so", async () => {
    // Day 1: a canary that held 280 s longer than planned (analysis), then succeeded at +920 s.
    const good = drive("1.1.0", T0 + 9 * 3600 * SEC, [
      ok(T0 + 9 * 3600 * SEC + 10 * SEC),
      ok(T0 + 9 * 3600 * SEC + 20 * SEC),
      [T0 + 9 * 3600 * SEC + 900 * SEC, { type: "hold_elapsed", at: T0 + 9 * 3600 * SEC + 900 * SEC }],
      ok(T0 + 9 * 3600 * SEC + 910 * SEC),
      ok(T0 + 9 * 3600 * SEC + 920 * SEC),
    ]);
    expect(findRollout(db, good.id)!.status).toBe("succeeded");

    // Day 2: a bad canary rolled back 30 s after the decision (its production incident opens by itself).
    const D2 = T0 + DAY + 10 * 3600 * SEC;
    const bad = drive("1.2.0-bad", D2, [ok(D2 + 10 * SEC), ok(D2 + 20 * SEC), [D2 + 100 * SEC, { type: "abort", reason: "5xx above 5%" }], [D2 + 130 * SEC, { type: "rollback_succeeded" }]]);
    expect(findRollout(db, bad.id)!.status).toBe("rolled_back");

    // Day 2 too: the redeploy that restored 1.1.0 is a restoration, not a deployment of a change.
    drive("1.1.0-again", D2 + 200 * SEC, [ok(D2 + 210 * SEC), ok(D2 + 220 * SEC), [D2 + 900 * SEC, { type: "hold_elapsed", at: D2 + 900 * SEC }], ok(D2 + 910 * SEC), ok(D2 + 920 * SEC)], { rollback: true });

    // Day 3: an outage detected at 11:50, opened at 12:00, mitigated at 12:20: restored in 30 min.
    const D3 = T0 + 2 * DAY + 12 * 3600 * SEC;
    const outage = openIncident(
      who("oncall"),
      openIncidentInput.parse({ title: "Checkout down", kind: "outage", severity: "P1", serviceId: String(findServiceByName(db, "sample-api")!.id), environmentId: String(findEnvironmentByName(db, "production")!.id), detectedAt: new Date(D3 - 10 * MIN).toISOString() }),
      undefined,
      D3,
    );
    changeIncidentStatus(who("oncall"), { incidentId: outage.id, to: "mitigated" }, undefined, D3 + 20 * MIN);

    const r = insightsFor(db, query(), T0 + 7 * DAY);
    if (!r.ok) throw new Error(r.reason);
    const { keys, trend } = r.insights;
    expect(keys.deployments).toBe(1);
    expect(keys.perDay).toBeCloseTo(1 / 7);
    expect(keys.leadTime).toEqual({ median: 920 * SEC, p90: 920 * SEC, n: 1 });
    expect(keys.changeFailureRate).toEqual({ rate: 0.5, failed: 1, finished: 2 });
    // Nearest-rank median of [30 s, 30 min].
    expect(keys.timeToRestore).toEqual({ median: 30 * SEC, n: 2 });
    expect(trend.map((p) => [new Date(p.at).toISOString().slice(0, 10), p.deployments, p.changeFailureRate.finished, p.timeToRestore.n])).toEqual([
      [dayOf(0), 1, 1, 0],
      [dayOf(1), 0, 1, 1],
      [dayOf(2), 0, 0, 1],
      [dayOf(3), 0, 0, 0],
      [dayOf(4), 0, 0, 0],
      [dayOf(5), 0, 0, 0],
      [dayOf(6), 0, 0, 0],
    ]);

    // Staging had none of it.
    const staging = insightsFor(db, query({ environment: String(findEnvironmentByName(db, "staging")!.id) }), T0 + 7 * DAY);
    expect(staging.ok && staging.insights.keys).toMatchObject({ deployments: 0, changeFailureRate: { rate: null, finished: 0 }, timeToRestore: { n: 0 } });

    // The export, as a signed-in viewer downloads it (a real account: demo accounts sign in only in demo mode).
    actAs(insertUserWithRoles(db, "viewer@example.test", ["viewer"]).id);
    const qs = new URLSearchParams({ ...query(), kind: "trend" });
    const res = await exportRoute.GET(new Request(`http://localhost/api/insights/export?${qs.toString()}`), {});
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="flightdeck-insights-trend-${dayOf(0)}-${dayOf(6)}.csv"`);
    const lines = (await res.text()).trim().split("\n");
    expect(lines[0]).toBe("bucket_start,deployments,deployments_per_day,lead_time_median_h,lead_time_p90_h,change_failure_rate,failed,finished,time_to_restore_median_min,restorations");
    expect(lines[1]).toBe(`${dayOf(0)}T00:00:00.000Z,1,1,0.256,0.256,0,0,1,,0`);
    expect(lines[2]).toBe(`${dayOf(1)}T00:00:00.000Z,0,0,,,1,1,1,0.5,1`);
    expect(lines).toHaveLength(8);

    // Bad input: refused with the reason, no figures.
    const refused = await exportRoute.GET(new Request("http://localhost/api/insights/export?kind=pie"), {});
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("kind must be trend or releases.");
    expect(insightsFor(db, query({ from: dayOf(7) }), T0)).toMatchObject({ ok: false, reason: "From must be on or before To." });
    expect(insightsFor(db, query({ to: "2026-13-40" }), T0)).toMatchObject({ ok: false });
    expect(insightsFor(db, query({ service: "999999" }), T0)).toMatchObject({ ok: false, reason: "Choose a service from the list." });

    // A range before any of it is empty.
    const empty = insightsFor(db, { from: dayOf(-30), to: dayOf(-20) }, T0 + 7 * DAY);
    expect(empty.ok && empty.insights).toMatchObject({ keys: { deployments: 0, changeFailureRate: { finished: 0 }, timeToRestore: { n: 0 } }, releases: [] });
    expect(sqlite.prepare("SELECT count(*) AS n FROM audit_events WHERE action = 'rollout.succeeded'").get()).toEqual({ n: 2 });
  });

  it("stores a finished rollout's and an ended release's time once, in the transaction that ends it, and reads the same figures as a replay of their events", () => {
    const command = (releaseId: number, cmd: string, extra: Record<string, unknown> = {}) => releaseCommandInput.parse({ releaseId, command: cmd, ...extra });
    const H = 3600 * SEC;
    // A: staging succeeded (the release moves on to its soak), then aborted during the soak.
    const a = newRelease(db, {}, who("captain"), T0 + H);
    passPreflight(db, a.id, T0 + H);
    const [aRollout] = driveRelease(who("captain"), command(a.id, "deploy_staging"), undefined, T0 + H + 5 * MIN).rolloutIds;
    const aDone = walkRolloutToSuccess(db, aRollout!, "staging");
    expect(sqlite.prepare("SELECT count(*) AS n FROM rollout_time_facts WHERE rollout_id = ?").get(aRollout)).toEqual({ n: 1 });
    expect(sqlite.prepare("SELECT count(*) AS n FROM release_time_facts").get()).toEqual({ n: 0 }); // in its soak: alive
    driveRelease(who("captain"), command(a.id, "abort", { reason: "superseded" }), undefined, aDone + 2 * H);
    // B: aborted while its staging canary ran; the canary rolls back after the release ended.
    const b = newRelease(db, { version: "1.3.0" }, who("captain"), T0 + 2 * DAY);
    passPreflight(db, b.id, T0 + 2 * DAY);
    const [bRollout] = driveRelease(who("captain"), command(b.id, "deploy_staging"), undefined, T0 + 2 * DAY + 5 * MIN).rolloutIds;
    driveRelease(who("captain"), command(b.id, "abort", { reason: "wrong build" }), undefined, T0 + 2 * DAY + 20 * MIN);
    expect(sqlite.prepare("SELECT count(*) AS n FROM rollout_time_facts WHERE rollout_id = ?").get(bRollout)).toEqual({ n: 0 }); // rolling back
    writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, bRollout!)!, { type: "rollback_succeeded" }, { actor: WORKER, environment: "staging" }, T0 + 2 * DAY + 22 * MIN));
    // C: still in pre-flight.
    newRelease(db, { version: "1.4.0" }, who("captain"), T0 + 3 * DAY);

    const stored = () => ({
      rollouts: sqlite.prepare("SELECT rollout_id, restoration, aborted_at, intervals FROM rollout_time_facts ORDER BY rollout_id").all(),
      releases: sqlite.prepare("SELECT release_id, spent, total_ms FROM release_time_facts ORDER BY release_id").all(),
    });
    const facts = stored();
    expect(facts.rollouts.map((f) => (f as { rollout_id: number }).rollout_id)).toEqual([aRollout, bRollout]);
    expect(facts.releases.map((f) => (f as { release_id: number }).release_id)).toEqual([a.id, b.id]);

    const read = () => insightsFor(db, { environment: "all", from: dayOf(0), to: dayOf(6) }, T0 + 7 * DAY);
    const fromFacts = read();
    if (!fromFacts.ok) throw new Error(fromFacts.reason);
    expect(fromFacts.insights.releases.map((r) => [r.releaseId, r.status])).toEqual([
      [a.id, "aborted"],
      [b.id, "aborted"],
      [expect.any(Number), "preflight"],
    ]);
    const [ra, rb] = fromFacts.insights.releases;
    expect(ra!.totalMs).toBe(aDone + 2 * H - (T0 + H));
    expect(ra!.spent.soak).toBe(aDone + 2 * H - aDone);
    expect(rb).toMatchObject({ totalMs: 20 * MIN, spent: { preflight: 5 * MIN } });

    // Without stored facts the page replays the audit events and finds the same; the backfill stores them again, equal.
    sqlite.exec("DELETE FROM rollout_time_facts; DELETE FROM release_time_facts;");
    expect(read()).toEqual(fromFacts);
    expect(backfillTimeFacts(db, T0 + 7 * DAY, 1)).toEqual({ rollouts: 2, releases: 2 }); // one row per transaction
    expect(stored()).toEqual(facts);
    expect(backfillTimeFacts(db, T0 + 7 * DAY)).toEqual({ rollouts: 0, releases: 0 });
    expect(read()).toEqual(fromFacts);
  });

  it("refuses the export to a caller who is not signed in", async () => {
    actAs(null);
    const res = await exportRoute.GET(new Request("http://localhost/api/insights/export?kind=trend"), {});
    expect(res.status).toBe(401);
  });
});
