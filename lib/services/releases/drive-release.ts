import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import type { Executor, Tx } from "@/db/connection";
import { type EnvironmentRow, listEnvironments } from "@/db/queries/catalog";
import { latestValidation, preflightOf } from "@/db/queries/governance";
import { type ReleaseRow, approvalsOf, findRelease, insertApproval, rolloutsOfRelease, updateRelease } from "@/db/queries/releases";
import { activeJobWithKeyPrefix } from "@/db/queries/jobs";
import { findRolloutByKey } from "@/db/queries/rollouts";
import { AuditedRefusal, refusableTransaction } from "@/lib/audit/refusal";
import { recordAudit } from "@/lib/audit/record";
import { currentFingerprint } from "./release-commands";
import { approvalTtlMs } from "@/lib/env";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { approvalExpiresAt, approvalsToRequest, hotfixObligations } from "@/lib/domain/approvals/rules";
import { validationStanding } from "@/lib/domain/health";
import type { releaseCommandInput } from "@/lib/domain/release/inputs";
import { releaseMigrations } from "@/lib/domain/release/deployments";
import { type ReleasePhase, checkCommand, mayDrive } from "@/lib/domain/release/lifecycle";
import { FINAL_STATUSES, type RolloutStatus } from "@/lib/domain/rollout/machine";
import { ConflictError, ForbiddenError, NotFoundError, PreconditionError } from "@/lib/errors";
import { recordReleaseTimeFacts } from "@/lib/services/insights/time-facts";
import { assertPolicy } from "@/lib/services/policy/check-policy";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { migrateKeyPrefix, pendingMigrations, queueMigrations } from "./follow-rollout";
import { startReleaseRollouts } from "./start-release-rollouts";
import { smokeSignedOff } from "./release-state";

/** The release's staging and production environments: by name, else the first of each class. */
export function releaseEnvironments(db: Executor): { staging: EnvironmentRow; production: EnvironmentRow } {
  const envs = listEnvironments(db);
  const staging = envs.find((e) => e.name === "staging") ?? envs.find((e) => !e.production);
  const production = envs.find((e) => e.name === "production") ?? envs.find((e) => e.production);
  if (!staging || !production) throw new PreconditionError("Releases need a staging and a production environment (Settings -> Environments).");
  return { staging, production };
}

/**
 * The captain's clicks through a release (B3): each checks the phase rules, then policy (security
 * gate, freezes, approvals), then changes the phase, starts rollouts and records it all in one
 * transaction. A refusal by policy or separation of duties leaves only its audit event.
 */
export function driveRelease(actor: Actor, input: z.output<typeof releaseCommandInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.advance");
  return refusableTransaction(getDb(), (tx) => {
    const release = findRelease(tx, input.releaseId);
    if (!release) throw new NotFoundError("Release");
    if (input.expectedVersion !== undefined && release.rowVersion !== input.expectedVersion) throw new ConflictError("The release changed meanwhile. Reload and try again.");
    if (!mayDrive(input.command, actor.roles, release.status as ReleasePhase)) {
      throw new ForbiddenError("Developers drive releases in staging only; production steps need a release captain.", "release.advance");
    }
    const envs = releaseEnvironments(tx);
    const rollouts = rolloutsOfRelease(tx, release.id);
    const live = rollouts.find((r) => !FINAL_STATUSES.includes(r.status as RolloutStatus));
    const items = preflightOf(tx, release.id);
    const check = checkCommand(input.command, {
      phase: release.status as ReleasePhase,
      now,
      phaseEnteredAt: release.phaseEnteredAt,
      soakMinutes: release.soakMinutes,
      monitoringMinutes: release.monitoringMinutes,
      preflight: { total: items.length, passed: items.filter((i) => i.status === "passed").length, failing: items.filter((i) => i.status !== "passed").map((i) => i.label) },
      smokeSignedOff: smokeSignedOff(approvalsOf(tx, release.id)),
      liveRollout: live !== undefined,
      cutSoakShortReason: input.reason,
    });
    const subject = { actor, subjectType: "release", subjectId: release.id, requestId, now };
    if (!check.ok) {
      throw new AuditedRefusal(new PreconditionError(check.reason), {
        ...subject,
        action: "release.refused",
        details: { command: input.command, phase: release.status, reason: check.reason },
        at: now,
      });
    }

    let rolloutIds: number[] = [];
    let migrating = false;
    const key = input.idempotencyKey ?? `release:${release.id}:${input.command}:v${release.rowVersion}`;
    if (input.command === "deploy_staging" || input.command === "start_production") {
      const environment = input.command === "deploy_staging" ? envs.staging : envs.production;
      if (findRolloutByKey(tx, `${key}:${release.serviceId}`) || activeJobWithKeyPrefix(tx, `${migrateKeyPrefix(release.id, environment.id)}expand:${key}`)) return { release, rolloutIds: [] };
      if (activeJobWithKeyPrefix(tx, migrateKeyPrefix(release.id, environment.id))) throw new PreconditionError("Migrations of this release are still running here.");
      // C2: deployment is blocked until the release validation for this environment passed.
      const standing = validationStanding(latestValidation(tx, release.id, environment.id), currentFingerprint(tx, release), now);
      if (!standing.ok) {
        throw new AuditedRefusal(new PreconditionError(standing.reason), { ...subject, action: "release.refused", environment: environment.name, details: { command: input.command, reason: standing.reason }, at: now });
      }
      assertPolicy(tx, "deploy.canary.start", { ...subject, environment, release, driverId: actor.id });
      // G4: expand migrations first (the worker starts the rollouts when they succeeded).
      migrating = pendingMigrations(tx, release, environment.id, "expand").length > 0;
      if (migrating) queueMigrations(tx, { releaseId: release.id, environmentId: environment.id, kind: "expand", key, actorId: actor.id }, now);
      else rolloutIds = startReleaseRollouts(tx, actor, release, environment, key, requestId, now);
    } else if (input.command === "abort" && live) {
      const environment = live.environmentId === envs.production.id ? envs.production : envs.staging;
      assertPolicy(tx, "deploy.rollback", { ...subject, environment, release });
      applyRolloutEvent(tx, live, { type: "abort", reason: `Release aborted: ${input.reason || `by ${actor.email}`}` }, { actor, environment: environment.name, requestId }, now);
    }
    if (input.command === "request_approval") requestProductionApprovals(tx, actor, release, requestId, now);

    const hotfixToProduction = input.command === "start_production" && release.hotfix;
    const obligations = hotfixToProduction ? hotfixObligations(now) : undefined;
    const updated = updateRelease(tx, release.id, release.rowVersion, {
      status: check.next,
      phaseEnteredAt: now,
      updatedAt: now,
      ...(obligations ? { postmortemDueAt: obligations.postmortemDueAt, mergeBackReminder: obligations.mergeBackReminder } : {}),
    });
    if (!updated) throw new ConflictError("The release changed meanwhile. Reload and try again.");
    recordAudit(tx, {
      ...subject,
      action: input.command === "abort" ? "release.abort" : "release.advance",
      details: { command: input.command, from: release.status, to: check.next, note: check.note ?? null, rolloutIds, migrating, reason: input.reason ?? null, ...(obligations ?? {}) },
      at: now,
    });
    recordReleaseTimeFacts(tx, updated, check.next, now);
    return { release: updated, rolloutIds };
  });
}

/** Opens the production approvals (D1-D3); requests still pending from an earlier round are kept, not duplicated. */
function requestProductionApprovals(tx: Tx, actor: Actor, release: ReleaseRow, requestId: string | undefined, now: number) {
  const contract = releaseMigrations(release).filter((m) => m.kind === "contract").length;
  const wanted = approvalsToRequest({ hotfix: release.hotfix, contractMigrations: contract });
  const pending = approvalsOf(tx, release.id).filter((a) => a.status === "pending" || a.status === "approved");
  const opened: string[] = [];
  for (const w of wanted) {
    const i = pending.findIndex((a) => a.role === w.role && a.kind === w.kind);
    if (i >= 0) {
      pending.splice(i, 1);
      continue;
    }
    insertApproval(tx, { releaseId: release.id, role: w.role, kind: w.kind, status: "pending", fingerprint: currentFingerprint(tx, release), requestedAt: now, expiresAt: approvalExpiresAt(now, approvalTtlMs()) });
    opened.push(`${w.role}/${w.kind}`);
  }
  if (opened.length) recordAudit(tx, { actor, action: "approval.request", subjectType: "release", subjectId: release.id, details: { requested: opened }, requestId, at: now });
}
