import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ReleaseChangelog } from "@/components/releases/release-changelog";
import { RollbackVerification } from "@/components/rollouts/rollback-verification";
import type { Db } from "@/db/connection";
import { changelogOfRelease, verificationOf } from "@/db/queries/changelog";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { ROLLOUT_VERIFY_JOB } from "@/lib/jobs/kinds";
import { recordReleaseChangelog } from "@/lib/services/releases/record-release-changelog";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { createRollout } from "@/lib/services/rollouts/create-rollout";
import { executeRollback } from "@/lib/services/rollouts/execute-rollback";
import { queueRollbackVerification } from "@/lib/services/rollouts/verify-rollback-queue";
import { actorFor } from "../support/db";
import { DEMO, MIN, NOW, freshSeededDbPerTest, jobsFor, newRelease, walkRolloutToSuccess } from "../support/governance";

// The release change log (K2, runbook 001) and the queueing of post-rollback verifications, through
// the rollout machine without a driver: the worker's reports are applied by hand.
let db: Db;
freshSeededDbPerTest((d) => (db = d));

const WORKER = { kind: "system", label: "worker" } as const;
const captain = () => actorFor(db, DEMO("captain"));

function rollout(environment: string, from: string | null, to: string, key: string, at: number, releaseId?: number): RolloutRow {
  const env = findEnvironmentByName(db, environment)!;
  return writeTransaction(db, (tx) =>
    createRollout(
      tx,
      {
        actor: captain(),
        serviceId: findServiceByName(db, "sample-api")!.id,
        environment: env,
        fromVersion: from,
        toVersion: to,
        strategy: strategySchema.parse({ kind: "canary", steps: [{ weight: 25, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] }),
        idempotencyKey: key,
        releaseId,
      },
      at,
    ),
  );
}

/** Aborted by on-call, then the worker reports the canary removed. */
function rollBack(r: RolloutRow, environment: string, at: number): RolloutRow {
  controlRollout(actorFor(db, DEMO("oncall")), { rolloutId: r.id, command: "abort", reason: "errors" }, undefined, at);
  return writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, r.id)!, { type: "rollback_succeeded" }, { actor: WORKER, environment }, at + MIN));
}

const entries = (releaseId: number) => changelogOfRelease(db, releaseId).map((c) => ({ kind: c.entry.kind, environment: c.environment, rolloutId: c.entry.rolloutId, original: c.entry.originalRolloutId, text: c.entry.text }));
const day = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

describe("release change log (K2)", () => {
  it("deployed, then rolled back: the rollback's entry references the original deploy of the restored version", () => {
    const r1 = newRelease(db, { version: "1.0.0" });
    const r2 = newRelease(db, { version: "1.1.0" });
    const first = rollout("production", null, "1.0.0", "p-100", NOW, r1.id);
    const firstAt = walkRolloutToSuccess(db, first.id, "production");
    const second = rollout("production", "1.0.0", "1.1.0", "p-110", NOW + 10 * MIN, r2.id);
    const done = rollBack(second, "production", NOW + 11 * MIN);
    expect(done.status).toBe("rolled_back");

    expect(entries(r1.id)).toEqual([{ kind: "deployed", environment: "production", rolloutId: first.id, original: null, text: `Deployed sample-api 1.0.0 to production (rollout #${first.id}).` }]);
    expect(entries(r2.id)).toEqual([
      {
        kind: "rolled_back",
        environment: "production",
        rolloutId: second.id,
        original: first.id,
        text: `Rolled back sample-api 1.1.0 -> 1.0.0 in production (rollout #${second.id}); original deploy: rollout #${first.id} of 1.0.0 on ${day(firstAt)}.`,
      },
    ]);
    // Exactly one verification queued, pending, for the restored version.
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, second.id).map((j) => [j.idempotencyKey, j.runAt])).toEqual([[`rollout:${second.id}:verify`, NOW + 12 * MIN]]);
    expect(verificationOf(db, second.id)).toMatchObject({ status: "pending", restoredVersion: "1.0.0", attempts: 0, maxAttempts: 3 });
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, first.id)).toEqual([]);
  });

  it("written once: repeating the recording for the same rollout adds nothing, nor does queueing its verification again", () => {
    const r2 = newRelease(db, { version: "1.1.0" });
    const first = rollout("staging", null, "1.0.0", "s-100", NOW);
    walkRolloutToSuccess(db, first.id, "staging");
    const done = rollBack(rollout("staging", "1.0.0", "1.1.0", "s-110", NOW + 10 * MIN, r2.id), "staging", NOW + 11 * MIN);
    writeTransaction(db, (tx) => {
      recordReleaseChangelog(tx, done, NOW + 20 * MIN);
      expect(queueRollbackVerification(tx, done, NOW + 20 * MIN)).toBeUndefined();
    });
    expect(entries(r2.id)).toHaveLength(1);
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, done.id)).toHaveLength(1);
  });

  it("a redeploy of the earlier version is a rollback of the release whose rollout deployed the version taken out", () => {
    const r2 = newRelease(db, { version: "1.1.0" });
    const first = rollout("staging", null, "1.0.0", "s-100", NOW);
    walkRolloutToSuccess(db, first.id, "staging");
    const second = rollout("staging", "1.0.0", "1.1.0", "s-110", NOW + 10 * MIN, r2.id);
    walkRolloutToSuccess(db, second.id, "staging");
    const redeploy = executeRollback(captain(), { serviceId: first.serviceId, environmentId: first.environmentId, expectedTo: "1.0.0", reason: "leaks memory", idempotencyKey: "rb" }, undefined, NOW + 60 * MIN);
    expect(redeploy.releaseId).toBeNull();
    walkRolloutToSuccess(db, redeploy.id, "staging");
    expect(entries(r2.id).map((e) => [e.kind, e.rolloutId, e.original])).toEqual([
      ["deployed", second.id, null],
      ["rolled_back", redeploy.id, first.id],
    ]);
    expect(entries(r2.id)[1]!.text).toMatch(new RegExp(`^Rolled back sample-api 1\\.1\\.0 -> 1\\.0\\.0 in staging \\(rollout #${redeploy.id}\\); original deploy: rollout #${first.id} of 1\\.0\\.0 on `));
    expect(verificationOf(db, redeploy.id)).toMatchObject({ status: "pending", restoredVersion: "1.0.0" });
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, redeploy.id)).toHaveLength(1);
  });

  it("a first rollout rolled back restored nothing: the entry says so and there is nothing to verify", () => {
    const r1 = newRelease(db, { version: "1.0.0" });
    const done = rollBack(rollout("staging", null, "1.0.0", "s-100", NOW, r1.id), "staging", NOW + MIN);
    expect(entries(r1.id).map((e) => e.text)).toEqual([`Rolled back sample-api 1.0.0 in staging (rollout #${done.id}); no earlier version was running.`]);
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, done.id)).toEqual([]);
    expect(verificationOf(db, done.id)).toBeUndefined();
  });

  it("a rollout by hand of a version no release names writes no entry (the verification still runs)", () => {
    const first = rollout("staging", null, "1.0.0", "s-100", NOW);
    walkRolloutToSuccess(db, first.id, "staging");
    const done = rollBack(rollout("staging", "1.0.0", "9.9.9", "s-999", NOW + 10 * MIN), "staging", NOW + 11 * MIN);
    expect(db.$client.prepare("SELECT count(*) FROM release_changelog").pluck().get()).toBe(0);
    expect(jobsFor(db, ROLLOUT_VERIFY_JOB, done.id)).toHaveLength(1);
  });
});

describe("the two page blocks", () => {
  it("the release's change log links each rollout and the original deploy", () => {
    const html = renderToStaticMarkup(
      createElement(ReleaseChangelog, {
        entries: [{ environment: "production", entry: { id: 1, releaseId: 2, at: NOW, kind: "rolled_back", text: "Rolled back sample-api 1.1.0 -> 1.0.0 in production (rollout #12)", environmentId: 2, rolloutId: 12, originalRolloutId: 9 } }],
      }),
    );
    expect(html).toContain('aria-label="Change log"');
    expect(html).toContain('<a class="underline" href="/rollouts/12">Rollout #12</a> · original deploy: <a class="underline" href="/rollouts/9">Rollout #9</a>');
    expect(renderToStaticMarkup(createElement(ReleaseChangelog, { entries: [] }))).toContain("No deployment of this release has finished yet.");
  });

  it("the rollout's post-rollback verification: failed with its probes, passed", () => {
    const base = { id: 1, rolloutId: 12, restoredVersion: "1.0.0", maxAttempts: 3, summary: null, queuedAt: NOW, rowVersion: 2 };
    const probes = [
      { kind: "health", ok: false, version: "1.0.0", healthy: false, detail: "1.0.0 is down: process 7 is not running" },
      { kind: "smoke", ok: false, url: "http://127.0.0.1:4010/health", status: null, ms: 2, detail: "unreachable (fetch failed)" },
    ];
    const failed = renderToStaticMarkup(createElement(RollbackVerification, { verification: { ...base, status: "failed", attempts: 3, probes: JSON.stringify(probes), finishedAt: NOW + 10_000 } }));
    expect(failed).toContain('data-status="failed"');
    expect(failed).toContain("1.0.0 does not serve: verification FAILED after 3 attempts");
    expect(failed).toContain("✗ health: 1.0.0 is down: process 7 is not running");
    expect(failed).toContain("✗ smoke http://127.0.0.1:4010/health: unreachable (fetch failed) (2 ms)");
    const passed = renderToStaticMarkup(
      createElement(RollbackVerification, { verification: { ...base, status: "passed", attempts: 1, probes: JSON.stringify([{ kind: "health", ok: true, detail: "1.0.0 healthy (pid 7, port 4010)" }]), finishedAt: NOW } }),
    );
    expect(passed).toContain("1.0.0 serves again: every probe passed (first attempt");
    expect(passed).toContain("✓ health: 1.0.0 healthy (pid 7, port 4010)");
  });
});
