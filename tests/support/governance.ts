import type Database from "better-sqlite3";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { insertValidation, preflightOf, setPreflightResult } from "@/db/queries/governance";
import type { JobRow } from "@/db/queries/jobs";
import { jobs } from "@/db/schema";
import { type ApprovalRow, approvalsOf, findRelease, insertApproval, updateRelease } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import type { JobContext } from "@/lib/jobs/runner";
import type { Actor } from "@/lib/domain/actor";
import { currentFingerprint } from "@/lib/services/releases/release-commands";
import type { ApprovalKind } from "@/lib/domain/approvals/rules";
import { createReleaseInput } from "@/lib/domain/release/inputs";
import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import type { Role } from "@/lib/domain/roles";
import { AppError, type ErrorCode } from "@/lib/errors";
import { createRelease } from "@/lib/services/releases/create-release";
import { applyRolloutEvent, planOfRow } from "@/lib/services/rollouts/apply-rollout-event";
import { findRollout } from "@/db/queries/rollouts";
import { verifyAuditChain } from "@/lib/audit/verify";
import { actorFor, auditEvents, buildSeededTemplate, closeCurrentDb, makeTempDir, snapshot, useFreshDb } from "./db";

/**
 * A fixed instant for governance tests: a Wednesday in June, outside the default freezes
 * (Dec 24-26, Dec 31-Jan 2) and the monthly maintenance window, whatever day the suite runs.
 */
export const NOW = Date.UTC(2026, 5, 10, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 3600_000;

export const DEMO = (name: string) => `${name}@flightdeck.local`;

/** The actor of a demo account, signed in at `signedInAt` (recent by default: no password re-entry). */
export function signedIn(db: Db, name: string, signedInAt = NOW): Actor {
  return { ...actorFor(db, DEMO(name)), signedInAt };
}

export const STRATEGY = { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] };

/** Raw create-release form values for sample-api (parse with createReleaseInput). */
export function releaseForm(db: Db, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serviceId: findServiceByName(db, "sample-api")!.id,
    version: "2.0.0",
    commitSha: "ABCDEF1234",
    changeLog: "Adds the payments endpoint and retries.",
    rollbackPlan: "Redeploy 1.9.0; no schema change to undo.",
    migrations: [],
    strategy: STRATEGY,
    monitoringMinutes: 15,
    ...over,
  };
}

/** Creates a release through the service (as captain unless told otherwise). */
export function newRelease(db: Db, over: Record<string, unknown> = {}, by: Actor = actorFor(db, DEMO("captain")), at = NOW) {
  return createRelease(by, createReleaseInput.parse(releaseForm(db, over)), undefined, at);
}

/**
 * Test setup: every pre-flight item passed (what attestations plus the worker's checks would do)
 * and a passed staging validation at `at` (C2), so deploy_staging may run within the hour after.
 */
export function passPreflight(db: Db, releaseId: number, at = NOW): void {
  writeTransaction(db, (tx) => {
    for (const item of preflightOf(tx, releaseId)) setPreflightResult(tx, item.id, { status: "passed", evidence: "test setup", decidedBy: null, decidedAt: at });
  });
  passValidation(db, releaseId, "staging", at);
}

/** Test setup: a passed release validation (C2) of the release as it is now, finished at `at`. */
export function passValidation(db: Db, releaseId: number, environment: "staging" | "production", at = NOW - 10 * MIN): void {
  const r = findRelease(db, releaseId)!;
  insertValidation(db, { releaseId, environmentId: findEnvironmentByName(db, environment)!.id, status: "passed", fingerprint: currentFingerprint(db, r), startedBy: null, startedAt: at, finishedAt: at });
}

/** Test setup: puts a release straight into a phase (bypassing the stepper). */
export function putInPhase(db: Db, releaseId: number, status: ReleasePhase, phaseEnteredAt = NOW - 48 * HOUR): void {
  const r = findRelease(db, releaseId)!;
  expect(updateRelease(db, r.id, r.rowVersion, { status, phaseEnteredAt })).toBeDefined();
}

/** Test setup: an approval row for the release's current fingerprint (pending unless `approver` is given). */
export function addApproval(
  db: Db,
  releaseId: number,
  role: Role,
  kind: ApprovalKind,
  opts: { approver?: Actor; requestedAt?: number; expiresAt?: number | null } = {},
): ApprovalRow {
  const r = findRelease(db, releaseId)!;
  const requestedAt = opts.requestedAt ?? NOW - HOUR;
  return insertApproval(db, {
    releaseId,
    role,
    kind,
    status: opts.approver ? "approved" : "pending",
    approverId: opts.approver?.id ?? null,
    fingerprint: currentFingerprint(db, r),
    requestedAt,
    decidedAt: opts.approver ? requestedAt : null,
    expiresAt: opts.expiresAt === undefined ? requestedAt + 24 * HOUR : opts.expiresAt,
  });
}

/** A release in production approval: pre-flight passed, smoke signed off by the feature owner. */
export function releaseAwaitingProduction(db: Db, over: Record<string, unknown> = {}, by?: Actor) {
  const r = newRelease(db, over, by, NOW - 72 * HOUR);
  passPreflight(db, r.id);
  putInPhase(db, r.id, "production_approval");
  addApproval(db, r.id, "feature_owner", "smoke", { approver: actorFor(db, DEMO("feature")) });
  passValidation(db, r.id, "production");
  return findRelease(db, r.id)!;
}

/** Test setup: grants the production approvals of a normal release (sentinel + service owner). */
export function approveForProduction(db: Db, releaseId: number): void {
  addApproval(db, releaseId, "sentinel", "production", { approver: actorFor(db, DEMO("sentinel")) });
  addApproval(db, releaseId, "service_owner", "production", { approver: actorFor(db, DEMO("owner")) });
}

export const approvalsByStatus = (db: Db, releaseId: number) => approvalsOf(db, releaseId).map((a) => `${a.role}/${a.kind}:${a.status}`);

/**
 * Runs a call that policy or separation of duties must refuse and proves the refusal wrote only
 * its audit event: every other table is byte-identical, and exactly one audit event was appended.
 * Returns the error and that event.
 */
export async function expectAuditedRefusal(
  sqlite: Database.Database,
  run: () => unknown,
  want: { code: ErrorCode; action: string; message?: string | RegExp },
) {
  const before = snapshot(sqlite);
  const lastId = (before.audit_events as { id: number }[]).at(-1)?.id ?? 0;
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof AppError)) throw new Error(`expected an AppError ${want.code}, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`);
  expect(caught.code).toBe(want.code);
  if (want.message !== undefined) {
    if (typeof want.message === "string") expect(caught.message).toContain(want.message);
    else expect(caught.message).toMatch(want.message);
  }
  const after = snapshot(sqlite);
  for (const table of Object.keys(before)) {
    if (table === "audit_events") continue;
    expect(after[table], `table ${table} changed although the call was refused`).toEqual(before[table]);
  }
  expect(after.audit_events!.slice(0, before.audit_events!.length)).toEqual(before.audit_events);
  const added = auditEvents(sqlite, lastId);
  expect(added.map((e) => e.action)).toEqual([want.action]);
  return { error: caught, event: added[0]! };
}

/** A JobContext for calling a handler directly: commits in a plain write transaction, never aborted. */
export function jobContext(db: Db, job: JobRow): JobContext {
  return { job, signal: new AbortController().signal, commit: (fn) => writeTransaction(db, fn) };
}

/** The jobs of one kind for a rollout (their payload names the rollout), oldest first. */
export function jobsFor(db: Db, kind: string, rolloutId: number): JobRow[] {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, kind), sql`json_extract(${jobs.payload}, '$.rolloutId') = ${rolloutId}`))
    .orderBy(asc(jobs.id))
    .all();
}

/**
 * Walks a rollout to success through the real machine (applyRolloutEvent) as the worker would
 * report it, without a driver: each step succeeds, each hold elapses at its end. Returns when it
 * succeeded (the time of the last event).
 */
export function walkRolloutToSuccess(db: Db, rolloutId: number, environment: string): number {
  const worker = { kind: "system", label: "worker" } as const;
  for (let i = 0; i < 50; i++) {
    const ro = findRollout(db, rolloutId)!;
    if (ro.status === "succeeded") return ro.updatedAt;
    const step = planOfRow(ro)[ro.stepIndex]!;
    const at = ro.phase === "hold" ? ro.holdEndsAt! : ro.updatedAt;
    const weight = step.kind === "shift" ? step.weight : step.kind === "promote" ? 100 : ro.weight;
    const event = ro.phase === "hold" ? { type: "hold_elapsed" as const, at } : { type: "step_succeeded" as const, at, weight };
    writeTransaction(db, (tx) => applyRolloutEvent(tx, ro, event, { actor: worker, environment }, at));
  }
  throw new Error(`rollout ${rolloutId} did not succeed`);
}

/**
 * Registers the hooks of a service test file: one demo-seeded template per file, a fresh copy per
 * test handed to `use`, and after each test the audit chain must still verify.
 */
export function freshSeededDbPerTest(use: (db: Db, sqlite: Database.Database) => void): void {
  const tmp = makeTempDir();
  let template = "";
  let sqlite: Database.Database | undefined;
  beforeAll(async () => {
    template = await buildSeededTemplate(tmp.dir);
  });
  afterAll(() => tmp.cleanup());
  beforeEach(() => {
    const fresh = useFreshDb(tmp.dir, template);
    sqlite = fresh.sqlite;
    use(fresh.db, fresh.sqlite);
  });
  afterEach(() => {
    expect(verifyAuditChain(sqlite!).intact).toBe(true);
    closeCurrentDb();
  });
}
