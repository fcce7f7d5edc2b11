import "server-only";
import type { Db } from "@/db/connection";
import { startedAsRollback } from "@/db/queries/changelog";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type RolloutRow, appendRolloutLog, findRollout } from "@/db/queries/rollouts";
import type { SystemActor } from "@/lib/domain/actor";
import { type RolloutEvent, blockedByGate } from "@/lib/domain/rollout/machine";
import { describeSmoke, runSmoke } from "@/lib/drivers/smoke";
import { driverFor } from "@/lib/drivers/registry";
import type { DriverTarget } from "@/lib/drivers/types";
import { AppError } from "@/lib/errors";
import { WATCH_EVERY_MS, applyRolloutEvent, planOfRow } from "@/lib/services/rollouts/apply-rollout-event";
import { findRelease } from "@/db/queries/releases";
import { auditDecision, policyDecision } from "@/lib/services/policy/check-policy";
import { findAnalysisState } from "@/db/queries/analysis";
import { ANALYSIS_TICK_JOB, PROMOTE_GATES_RECHECK_JOB, ROLLOUT_JOB, analysisTickKey, payloadOf, promoteGatesRecheckKey, queueJob, rolloutHoldRecheckKey, rolloutRollbackRemoveKey, rolloutWatchKey } from "../kinds";
import type { JobContext, JobHandler } from "../runner";
import { analysisHoldReason } from "@/lib/analysis-view";
import { hookVariables, stageAt } from "@/lib/domain/hooks/step-hooks";
import { runStepHooks } from "@/lib/services/hooks/run-step-hooks";
import { type GateSubject, evaluatePromoteGates } from "@/lib/services/promote-gates/evaluate-promote-gates";
import { logSizesBeforeDeploy, markCanaryStart } from "@/lib/services/promote-gates/canary-mark";
import { readPromoteGates } from "@/lib/services/promote-gates/read-promote-gates";

const WORKER: SystemActor = { kind: "system", label: "worker" };
const SMOKE_TIMEOUT_MS = 3000;
/** How often a hold whose time is up re-checks the analysis verdict. */
const ANALYSIS_RECHECK_MS = 500;
/** How often waiting promote gates (quiet period, attestation) are re-evaluated. */
const GATES_RECHECK_MS = 3000;

function targetOf(db: Db, r: RolloutRow): { target: DriverTarget; deployTarget: string; environment: string } {
  const service = findService(db, r.serviceId)!;
  const environment = findEnvironment(db, r.environmentId)!;
  return {
    target: { serviceId: service.id, serviceName: service.name, environmentId: environment.id, environmentName: environment.name },
    deployTarget: service.deployTarget,
    environment: environment.name,
  };
}

/** Applies an outcome event under the job's lease; a refused event (the rollout moved on) is only logged. */
function settle(ctx: JobContext, rolloutId: number, environment: string, event: RolloutEvent, now: () => number, details?: Record<string, unknown>) {
  ctx.commit((tx) => {
    const fresh = findRollout(tx, rolloutId)!;
    try {
      applyRolloutEvent(tx, fresh, event, { actor: WORKER, environment, details }, now());
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      appendRolloutLog(tx, { rolloutId, at: now(), level: "warn", message: `ignored ${event.type}: ${err.message}` });
    }
  });
}

/** Asks the security gate for this step; a block pauses the rollout with the gate's reasons (audited). */
function blockedByPolicy(ctx: JobContext, r: RolloutRow, now: () => number): boolean {
  return ctx.commit((tx) => {
    const environment = findEnvironment(tx, r.environmentId)!;
    const release = r.releaseId ? findRelease(tx, r.releaseId) : undefined;
    const subject = { actor: WORKER, environment, release, subjectType: "rollout", subjectId: r.id, now: now() };
    const d = policyDecision(tx, "deploy.step", subject);
    auditDecision(tx, "deploy.step", d, subject);
    if (d.allowed) return false;
    // Issue 14: a gate block pauses the rollout where it stands (not failed); Resume re-runs the step.
    applyRolloutEvent(tx, findRollout(tx, r.id)!, { type: "gate_blocked", reason: d.reasons.join(" ") }, { actor: WORKER, environment: environment.name }, now());
    return true;
  });
}

export function rolloutHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  const log = (ctx: JobContext, rolloutId: number, message: string, level: "info" | "warn" | "error" = "info") =>
    ctx.commit((tx) => appendRolloutLog(tx, { rolloutId, at: now(), level, message }));

  return {
    /** Executes one plan step through the driver (G1): idempotent, keyed by an operation id. */
    async [ROLLOUT_JOB.step](ctx) {
      const { rolloutId, stepIndex, rowVersion } = payloadOf(ctx.job, ROLLOUT_JOB.step);
      const r = findRollout(db, rolloutId);
      if (!r || !["running", "paused"].includes(r.status) || r.stepIndex !== stepIndex || r.phase !== "start" || blockedByGate(r)) return; // superseded
      const step = planOfRow(r)[stepIndex]!;
      const { target, deployTarget, environment } = targetOf(db, r);
      // E3: the gate is asked again at execution time; an override that expired meanwhile stops new steps.
      if (blockedByPolicy(ctx, r, now)) return;
      const plan = planOfRow(r);
      // Step hooks (issue 12 item 6): a hook that does not answer 2xx holds the step (step_blocked, retryable).
      const heldByHooks = async (moment: "before" | "after", weight: number) => {
        const stage = stageAt(plan, stepIndex, moment);
        if (!stage) return false;
        const service = findService(db, r.serviceId)!;
        const variables = hookVariables({ service: service.name, environment, version: r.toVersion, fromVersion: r.fromVersion, weight, stepIndex, rolloutId: r.id });
        const stillCurrent = () => {
          const fresh = findRollout(db, r.id);
          return !!fresh && ["running", "paused"].includes(fresh.status) && fresh.stepIndex === stepIndex && fresh.phase === "start";
        };
        const outcome = await runStepHooks(db, r, stage, { variables, environment, stepIndex }, { commit: (fn) => ctx.commit(fn), signal: ctx.signal, now, stillCurrent });
        if (outcome.ok) return false;
        if ("reason" in outcome) settle(ctx, r.id, environment, { type: "step_blocked", reason: outcome.reason, ...(moment === "after" ? { weight } : {}) }, now);
        return true;
      };
      if (await heldByHooks("before", r.weight)) return;
      const { driver, smokePaths, name } = driverFor(deployTarget, { onOutput: (line) => log(ctx, r.id, `[${name}] ${line}`) });
      const opId = `rollout:${r.id}:step:${stepIndex}:v${rowVersion}`;
      const smoke = async (variant: "stable" | "canary") => {
        const base = await driver.variantUrl(target, variant);
        if (!base || smokePaths.length === 0) return;
        const result = await runSmoke(
          smokePaths.map((p) => base + p),
          { timeoutMs: SMOKE_TIMEOUT_MS, expectInBody: r.toVersion },
        );
        log(ctx, r.id, `smoke ${result.ok ? "passed" : "FAILED"}: ${describeSmoke(result)}`, result.ok ? "info" : "error");
        if (!result.ok) throw new Error(`Smoke checks failed: ${describeSmoke(result)}`);
        // C4: the service's listed smoke endpoints (its promote gates) answer 200 before every shift too.
        const listed = readPromoteGates(db, r.serviceId).config.smoke;
        if (!listed) return;
        const more = await runSmoke(listed.paths.map((p) => base + p), { timeoutMs: listed.timeoutMs });
        log(ctx, r.id, `smoke endpoints ${more.ok ? "passed" : "FAILED"}: ${describeSmoke(more)}`, more.ok ? "info" : "error");
        if (!more.ok) throw new Error(`Smoke checks failed: ${describeSmoke(more)}`);
      };
      // Promote gates (issue 13 item 3, runbook 000 section 4): the promote step runs only once every
      // gate passed; otherwise it holds (step_blocked) with the reasons, and while gates only wait
      // (quiet period, attestation) they are re-checked every few seconds.
      const gateSubject = (): GateSubject => ({ rollout: r, service: findService(db, r.serviceId)!, environment, driver, driverName: name, target });
      const heldByGates = async (): Promise<boolean> => {
        const outcome = await evaluatePromoteGates(db, gateSubject(), { commit: (fn) => ctx.commit(fn), signal: ctx.signal, now }, { audit: "always" });
        if (!outcome.reason) return false;
        const reason = outcome.reason;
        ctx.commit((tx) => {
          try {
            const updated = applyRolloutEvent(tx, findRollout(tx, r.id)!, { type: "step_blocked", reason }, { actor: WORKER, environment }, now());
            if (outcome.waitsOnly) {
              queueJob(tx, PROMOTE_GATES_RECHECK_JOB, { rolloutId: r.id, rowVersion: updated.rowVersion, n: 1 }, { runAt: now() + GATES_RECHECK_MS, key: promoteGatesRecheckKey(r.id, updated.rowVersion, 1), now: now() });
            }
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            appendRolloutLog(tx, { rolloutId: r.id, at: now(), level: "warn", message: `ignored step_blocked: ${err.message}` });
          }
        });
        return true;
      };
      // A rollback redeploy restores the last good version at once (runbook 000 section 5: checkout,
      // build, reload; K1): promote criteria judge a candidate, not the way back to a known good one.
      if (step.kind === "promote" && startedAsRollback(db, r.id)) log(ctx, r.id, "promote gates skipped: a rollback redeploy restores the last good version");
      else if (step.kind === "promote" && (await heldByGates())) return;
      try {
        log(ctx, r.id, `step ${stepIndex + 1}: ${step.kind}${step.kind === "shift" ? ` to ${step.weight}%` : ""} (${name} driver, op ${opId})`);
        let weight = r.weight;
        let details: Record<string, unknown> | undefined;
        if (step.kind === "deploy") {
          const sizesBefore = await logSizesBeforeDeploy(driver, target);
          await driver.deploy(target, { opId, version: r.toVersion, stableVersion: r.fromVersion });
          await markCanaryStart((fn) => ctx.commit(fn), { rolloutId: r.id, driver, target, hasStable: !!r.fromVersion, sizesBefore, at: now() });
          await smoke(r.fromVersion ? "canary" : "stable");
        } else if (step.kind === "shift") {
          if (r.fromVersion) await smoke("canary");
          await driver.setWeight(target, { opId, weight: step.weight });
          weight = step.weight;
          if (await heldByHooks("after", weight)) return;
        } else {
          if (r.fromVersion) await smoke("canary");
          const promoted = await driver.promote(target, { opId, version: r.toVersion });
          // Runbook 000: the deploy-candidate tag is recorded in the rollout log (by the driver) and in the audit event.
          if (promoted?.tag) details = { deployCandidateTag: promoted.tag, commit: promoted.commit };
          weight = 100;
        }
        settle(ctx, r.id, environment, { type: "step_succeeded", at: now(), weight }, now, details);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        settle(ctx, r.id, environment, { type: "step_failed", error: err instanceof Error ? err.message : String(err) }, now);
      }
    },

    /**
     * Promote gates that only waited (quiet period, attestation): evaluated again; still waiting ->
     * again in a few seconds; otherwise the promote step runs again (it promotes, or holds with the failure).
     */
    async [PROMOTE_GATES_RECHECK_JOB](ctx) {
      const { rolloutId, rowVersion, n } = payloadOf(ctx.job, PROMOTE_GATES_RECHECK_JOB);
      const r = findRollout(db, rolloutId);
      if (!r || r.rowVersion !== rowVersion || r.status !== "failed" || r.failedDuring !== "step") return; // someone retried, promoted or aborted
      const { target, deployTarget, environment } = targetOf(db, r);
      const { driver, name } = driverFor(deployTarget);
      const subject = { rollout: r, service: findService(db, r.serviceId)!, environment, driver, driverName: name, target };
      const outcome = await evaluatePromoteGates(db, subject, { commit: (fn) => ctx.commit(fn), signal: ctx.signal, now }, { audit: "on_change" });
      if (outcome.waitsOnly) {
        ctx.commit((tx) => queueJob(tx, PROMOTE_GATES_RECHECK_JOB, { rolloutId, rowVersion, n: n + 1 }, { runAt: now() + GATES_RECHECK_MS, key: promoteGatesRecheckKey(rolloutId, rowVersion, n + 1), now: now() }));
        return;
      }
      settle(ctx, r.id, environment, { type: "retry" }, now);
    },

    /** A release deployment's timeout (G5): still live -> abort it, with the reason. */
    [ROLLOUT_JOB.deadline](ctx) {
      const { rolloutId } = payloadOf(ctx.job, ROLLOUT_JOB.deadline);
      const r = findRollout(db, rolloutId);
      if (!r?.deadlineAt || ["succeeded", "rolled_back", "rolling_back"].includes(r.status)) return;
      const minutes = Math.round((r.deadlineAt - r.createdAt) / 60_000);
      settle(ctx, r.id, targetOf(db, r).environment, { type: "abort", reason: `Deployment timed out: not healthy within ${minutes} min` }, now);
    },

    /**
     * A hold timer fired: the machine decides whether it really elapsed. A hold whose time is up
     * still waits while canary analysis is not passing (DESIGN rule 9): the timer re-arms itself.
     */
    [ROLLOUT_JOB.wake](ctx) {
      const { rolloutId, deferrals } = payloadOf(ctx.job, ROLLOUT_JOB.wake);
      const r = findRollout(db, rolloutId);
      if (!r || r.status !== "running" || r.phase !== "hold") return;
      const t = now();
      const holding = r.holdEndsAt !== null && t >= r.holdEndsAt ? analysisHoldReason(db, r, t) : null;
      if (holding) {
        ctx.commit((tx) => {
          // A rollout started before analysis existed (an upgrade) has no evaluation chain: start it.
          if (!findAnalysisState(tx, rolloutId)) queueJob(tx, ANALYSIS_TICK_JOB, { rolloutId, n: 1 }, { runAt: t, key: analysisTickKey(rolloutId, 1), now: t });
          // One log line when the hold starts waiting, then one every ~10 s.
          if (deferrals % 20 === 0) appendRolloutLog(tx, { rolloutId, at: t, level: "warn", message: `hold time is up but the rollout holds: ${holding}` });
          queueJob(tx, ROLLOUT_JOB.wake, { rolloutId, deferrals: deferrals + 1 }, { runAt: t + ANALYSIS_RECHECK_MS, key: rolloutHoldRecheckKey(rolloutId, r.rowVersion, deferrals + 1), now: t });
        });
        return;
      }
      settle(ctx, r.id, targetOf(db, r).environment, { type: "hold_elapsed", at: t }, now);
    },

    /** During a hold: a version whose process died or stopped answering fails the step, with the reason. */
    async [ROLLOUT_JOB.watch](ctx) {
      const { rolloutId, rowVersion, n } = payloadOf(ctx.job, ROLLOUT_JOB.watch);
      const r = findRollout(db, rolloutId);
      if (!r || r.rowVersion !== rowVersion || r.status !== "running" || r.phase !== "hold") return; // the hold is over
      const { target, deployTarget, environment } = targetOf(db, r);
      const status = await driverFor(deployTarget).driver.status(target);
      const dead = status.versions.find((v) => !v.healthy);
      if (dead) {
        settle(ctx, r.id, environment, { type: "step_failed", error: `${dead.role} version ${dead.version} is down: ${dead.detail}` }, now);
        return;
      }
      ctx.commit((tx) =>
        queueJob(tx, ROLLOUT_JOB.watch, { rolloutId, rowVersion, n: n + 1 }, { runAt: now() + WATCH_EVERY_MS, key: rolloutWatchKey(rolloutId, rowVersion, n + 1), now: now() }),
      );
    },

    /**
     * Rollback (I4, K1 per strategy through the driver). Immediate: all traffic back and the canary
     * removed at once. Gradual (`drainMs`): weight 0 now, the canary removed by a later job.
     */
    async [ROLLOUT_JOB.rollback](ctx) {
      const { rolloutId, drainMs, drained, reason } = payloadOf(ctx.job, ROLLOUT_JOB.rollback);
      const r = findRollout(db, rolloutId);
      if (!r || r.status !== "rolling_back") return;
      const { target, deployTarget, environment } = targetOf(db, r);
      const { driver, name } = driverFor(deployTarget, { onOutput: (line) => log(ctx, r.id, `[${name}] ${line}`) });
      if (drainMs > 0 && !drained) {
        try {
          await driver.setWeight(target, { opId: `rollout:${r.id}:rollback:v${r.rowVersion}:drain`, weight: 0 });
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          settle(ctx, r.id, environment, { type: "rollback_failed", error: err instanceof Error ? err.message : String(err) }, now);
          return;
        }
        ctx.commit((tx) => {
          const fresh = findRollout(tx, rolloutId)!;
          appendRolloutLog(tx, { rolloutId, at: now(), level: "warn", message: `gradual rollback: weight 0, removing ${r.toVersion} in ${Math.round(drainMs / 1000)} s` });
          const updated = applyRolloutEvent(tx, fresh, { type: "rollback_drained" }, { actor: WORKER, environment }, now());
          queueJob(tx, ROLLOUT_JOB.rollback, { rolloutId, reason, drainMs, drained: true }, { runAt: now() + drainMs, key: rolloutRollbackRemoveKey(rolloutId, updated.rowVersion), now: now() });
        });
        return;
      }
      try {
        log(ctx, r.id, `rolling back to ${r.fromVersion ?? "nothing"}: ${r.reason ?? ""}`, "warn");
        await driver.rollback(target, { opId: `rollout:${r.id}:rollback:v${r.rowVersion}`, version: r.toVersion, stableVersion: r.fromVersion });
        settle(ctx, r.id, environment, { type: "rollback_succeeded" }, now);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        settle(ctx, r.id, environment, { type: "rollback_failed", error: err instanceof Error ? err.message : String(err) }, now);
      }
    },
  };
}
