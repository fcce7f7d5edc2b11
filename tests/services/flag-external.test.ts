import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import type { Db } from "@/db/connection";
import { findFlag } from "@/db/queries/flags";
import { claimNextJob, finishJob, nextDueAt } from "@/db/queries/jobs";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { FLAG_EXTERNAL_SYNC_JOB } from "@/lib/domain/flags/external";
import { URL_MESSAGES } from "@/lib/domain/notifications/channels";
import { DELIVERY_POLICY } from "@/lib/domain/notifications/delivery";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ForbiddenError, InvalidError } from "@/lib/errors";
import { flagHandlers } from "@/lib/jobs/handlers/flags";
import { createFlag } from "@/lib/services/flags/create-flag";
import { disableFlag } from "@/lib/services/flags/disable-flag";
import { setFlagEndpoint } from "@/lib/services/flags/set-flag-endpoint";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId } from "../support/db";
import { DEMO, NOW, freshSeededDbPerTest, jobContext } from "../support/governance";

// External-flag hook (runbook 002's curl) with a real local HTTP receiver: the worker's
// `flag.external_sync` jobs run on a virtual clock, the rollout moves through its real machine.
let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string) => actorFor(db, DEMO(name));

type Answer = { status: number } | "hang";
let servers: Server[] = [];
beforeEach(() => {
  servers = [];
});
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A flag service answering each request with the next scripted answer (the last one repeats). */
async function flagService(script: Answer[]) {
  const received: { method: string; path: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ method: req.method ?? "", path: req.url ?? "", body: JSON.parse(body) as unknown });
      const answer = script[Math.min(received.length - 1, script.length - 1)]!;
      if (answer === "hang") return;
      res.writeHead(answer.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feature-flags/release_20250814?token=s3cr3tT0k3n`, received };
}

/** Runs every flag sync job due at `at` as the runner would; returns how many ran. */
async function runDue(at: number): Promise<number> {
  const handlers = flagHandlers(db, { now: () => at, random: () => 0.5, policy: { ...DELIVERY_POLICY, timeoutMs: 1000 } });
  let ran = 0;
  for (let job = claimNextJob(db, "test-worker", at, 60_000, [FLAG_EXTERNAL_SYNC_JOB]); job; job = claimNextJob(db, "test-worker", at, 60_000, [FLAG_EXTERNAL_SYNC_JOB])) {
    await handlers[FLAG_EXTERNAL_SYNC_JOB]!(jobContext(db, job));
    finishJob(db, job.id, job.leaseToken, { status: "succeeded", now: at });
    ran++;
  }
  return ran;
}

const dueAt = () => nextDueAt(db, [FLAG_EXTERNAL_SYNC_JOB]);

function boundFlag(url: string, body?: string) {
  const serviceId = findServiceByName(db, "sample-api")!.id;
  const environmentId = findEnvironmentByName(db, "staging")!.id;
  const flag = createFlag(who("captain"), { key: "release_20250814", rolloutPercentage: 0, serviceId, environmentId }, undefined, NOW);
  setFlagEndpoint(who("admin"), { id: flag.id, rowVersion: flag.rowVersion, url, body }, undefined, NOW);
  return flag.id;
}

function canary(version: string) {
  const input = startRolloutInput.parse({
    serviceId: findServiceByName(db, "sample-api")!.id,
    environmentId: findEnvironmentByName(db, "staging")!.id,
    version,
    strategy: { kind: "canary", steps: [{ weight: 25, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] },
    idempotencyKey: `flag-external-${version}`,
  });
  return startRollout(who("captain"), input, undefined, NOW).rollout.id;
}

/** Reports a step outcome as the worker would (the real machine, no driver). */
function report(rolloutId: number, event: RolloutEvent, at: number) {
  writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, rolloutId)!, event, { actor: { kind: "system", label: "worker" }, environment: "staging" }, at));
}

/** Deploy done, then the 25% shift applied: the bound flag goes to 25%. */
function toTwentyFive(rolloutId: number) {
  report(rolloutId, { type: "step_succeeded", at: NOW + 1000, weight: 0 }, NOW + 1000);
  report(rolloutId, { type: "step_succeeded", at: NOW + 2000, weight: 25 }, NOW + 2000);
}

const flagTrail = (flagId: number, after = 0) => auditEvents(sqlite, after).filter((e) => e.subjectType === "flag" && e.subjectId === String(flagId));

describe("a bound flag's changes reach the team's own flag service (runbook 002's curl)", () => {
  it("a 25% canary step sends percentage 25; an immediate rollback sends enabled false", async () => {
    const service = await flagService([{ status: 200 }]);
    const flagId = boundFlag(service.url);
    const before = lastAuditId(sqlite);
    const rolloutId = canary("2.0.0");
    toTwentyFive(rolloutId);
    expect(findFlag(db, flagId)).toMatchObject({ enabled: true, rolloutPercentage: 25 });
    // Nothing is sent inside the transaction: the worker sends after the commit.
    expect(service.received).toEqual([]);
    expect(await runDue(NOW + 2000)).toBe(1);
    expect(service.received).toEqual([{ method: "POST", path: "/feature-flags/release_20250814?token=s3cr3tT0k3n", body: { enabled: true, rollout_percentage: 25, environment: "staging" } }]);

    controlRollout(who("oncall"), { rolloutId, command: "abort", reason: "5xx above 5%" }, undefined, NOW + 3000);
    expect(await runDue(NOW + 3000)).toBe(1);
    expect(service.received.at(-1)!.body).toEqual({ enabled: false, rollout_percentage: 0, environment: "staging" });

    const trail = flagTrail(flagId, before).map((e) => [e.action, e.actorLabel, e.details.enabled ?? null, e.details.rolloutPercentage ?? null, e.details.statusCode ?? null]);
    expect(trail).toEqual([
      ["flag.rollout_set", "worker", null, null, null],
      ["flag.external_synced", "worker", true, 25, 200],
      ["flag.disabled", "oncall@flightdeck.local", null, null, null],
      ["flag.external_synced", "worker", false, 0, 200],
    ]);
  });

  it("a custom body template; 500 twice then 200 is sent on the third attempt after the backoff", async () => {
    const service = await flagService([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const flagId = boundFlag(service.url, '{"flag": "{{flag}}", "on": {{enabled}}, "pct": {{percentage}}}');
    toTwentyFive(canary("2.1.0"));
    let at = NOW + 2000;
    expect(await runDue(at)).toBe(1);
    for (let i = 0; i < 2; i++) {
      at = dueAt()!;
      expect(at).toBeGreaterThan(NOW + 2000);
      expect(await runDue(at)).toBe(1);
    }
    expect(dueAt()).toBeNull();
    expect(service.received.map((r) => r.body)).toEqual(Array(3).fill({ flag: "release_20250814", on: true, pct: 25 }));
    const synced = flagTrail(flagId).at(-1)!;
    expect(synced).toMatchObject({ action: "flag.external_synced", details: { attempts: 3, statusCode: 200, rolloutPercentage: 25 } });
  });

  it("a 404 is not retried: one attempt, audited as failed with the answer", async () => {
    const service = await flagService([{ status: 404 }]);
    const flagId = boundFlag(service.url);
    toTwentyFive(canary("2.2.0"));
    expect(await runDue(NOW + 2000)).toBe(1);
    expect(dueAt()).toBeNull();
    expect(service.received).toHaveLength(1);
    expect(flagTrail(flagId).at(-1)).toMatchObject({ action: "flag.external_sync_failed", details: { attempts: 1, statusCode: 404, error: "HTTP 404 is not retried: the flag service refused the change." } });
  });

  it("a change overtaken by a later one before the worker ran is not sent: only the latest state", async () => {
    const service = await flagService([{ status: 200 }]);
    const flagId = boundFlag(service.url);
    toTwentyFive(canary("2.3.0"));
    disableFlag(who("captain"), { id: flagId }, undefined, NOW + 2500);
    expect(await runDue(NOW + 3000)).toBe(2);
    expect(service.received.map((r) => r.body)).toEqual([{ enabled: false, rollout_percentage: 0, environment: "staging" }]);
  });

  it("without an endpoint nothing is queued", () => {
    const serviceId = findServiceByName(db, "sample-api")!.id;
    const environmentId = findEnvironmentByName(db, "staging")!.id;
    createFlag(who("captain"), { key: "plain", rolloutPercentage: 0, serviceId, environmentId }, undefined, NOW);
    toTwentyFive(canary("2.4.0"));
    expect(dueAt()).toBeNull();
  });
});

describe("the endpoint setting", () => {
  it("only admins set it; the URL is audited masked and never in full", async () => {
    const flag = createFlag(who("captain"), { key: "release_x", rolloutPercentage: 0 }, undefined, NOW);
    const url = "https://flags.example.com/feature-flags/release_x?token=s3cr3tT0k3n";
    await expectRefusedWithoutWrites(sqlite, () => setFlagEndpoint(who("captain"), { id: flag.id, rowVersion: flag.rowVersion, url }, undefined, NOW), ForbiddenError);
    expect(setFlagEndpoint(who("admin"), { id: flag.id, rowVersion: flag.rowVersion, url }, undefined, NOW)).toMatchObject({ url: "https://flags.example.com/…0k3n" });
    const text = sqlite.prepare("SELECT group_concat(details, ' ') FROM audit_events").pluck().get() as string;
    expect(text).not.toContain("s3cr3tT0k3n");
    expect(flagTrail(flag.id).at(-1)).toMatchObject({ action: "flag.external_update", details: { after: { url: "https://flags.example.com/…0k3n", body: null }, urlReplaced: true } });

    // Removing it: no more syncs.
    setFlagEndpoint(who("admin"), { id: flag.id, rowVersion: flag.rowVersion + 1, remove: "on" }, undefined, NOW);
    expect(findFlag(db, flag.id)).toMatchObject({ externalUrl: null, externalBody: null });
  });

  it.each([
    [{ url: "ftp://flags.example.com/x" }, "url", URL_MESSAGES.scheme],
    [{ url: "https://flags.example.com/x", body: '{"weight": {{weight}}}' }, "body", /^Unknown variable \{\{weight\}\}: the body can use \{\{flag\}\}, \{\{percentage\}\}, \{\{enabled\}\}, \{\{environment\}\}\.$/],
    [{ url: "https://flags.example.com/x", body: '{"flag": {{flag}}}' }, "body", /^The body must be JSON once its variables are filled in/],
    [{ url: "" }, "url", /^Enter the URL of the flag service/],
  ])("%o is refused on its field; nothing changes", async (over, field, message) => {
    const flag = createFlag(who("captain"), { key: "release_y", rolloutPercentage: 0 }, undefined, NOW);
    const error = (await expectRefusedWithoutWrites(sqlite, () => setFlagEndpoint(who("admin"), { id: flag.id, rowVersion: flag.rowVersion, ...over }, undefined, NOW), InvalidError)) as InvalidError;
    expect(error.fieldErrors?.[field]?.[0]).toMatch(message);
  });
});
