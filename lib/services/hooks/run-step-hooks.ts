import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import type { Executor, Tx } from "@/db/connection";
import { type StepHookRow, enabledHooksAt } from "@/db/queries/hooks";
import { type RolloutRow, appendRolloutLog } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import { type HookAttempt, type HookStage, type HookVariables, STAGE_WORDS, describeAttempt, hookBody, holdReason, hookPassed } from "@/lib/domain/hooks/step-hooks";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { callHook } from "./call-hook";

const WORKER: SystemActor = { kind: "system", label: "worker" };
/** How often a running hook checks that its rollout is still at this step. */
const MOVED_ON_CHECK_MS = 250;

export interface HookRunContext {
  /** Commits under the job's lease (JobContext.commit). */
  commit<T>(fn: (tx: Tx) => T): T;
  signal: AbortSignal;
  now: () => number;
  /** False once the rollout moved on (aborted, paused by someone, another step): the remaining calls are skipped. */
  stillCurrent: () => boolean;
}

export type HooksOutcome = { ok: true } | { ok: false; reason: string } | { ok: false; superseded: true };

/**
 * Runs the service's enabled hooks of one stage for a rollout step, in order (the worker, outside
 * any transaction): each attempt is logged in the rollout log (status, start of the answer,
 * duration) and audited (`rollout.hook_passed` / `rollout.hook_failed`); a hook still failing after
 * its retries stops the run with the reason that holds the step.
 */
export async function runStepHooks(db: Executor, r: RolloutRow, stage: HookStage, v: { variables: HookVariables; environment: string; stepIndex: number }, ctx: HookRunContext): Promise<HooksOutcome> {
  const hooks = enabledHooksAt(db, r.serviceId, stage);
  if (hooks.length === 0) return { ok: true };
  // The step job holds the target's lock: a rollout aborted meanwhile must not wait out a slow hook
  // (its rollback needs the lock), so a call in flight or a retry delay is cancelled at once.
  const moved = new AbortController();
  const watch = setInterval(() => {
    if (!ctx.stillCurrent()) moved.abort(new Error("the rollout moved on"));
  }, MOVED_ON_CHECK_MS);
  try {
    return await runHooks(r, stage, hooks, v, { ...ctx, signal: AbortSignal.any([ctx.signal, moved.signal]), jobSignal: ctx.signal, moved: moved.signal });
  } finally {
    clearInterval(watch);
  }
}

async function runHooks(
  r: RolloutRow,
  stage: HookStage,
  hooks: readonly StepHookRow[],
  v: { variables: HookVariables; environment: string; stepIndex: number },
  ctx: HookRunContext & { jobSignal: AbortSignal; moved: AbortSignal },
): Promise<HooksOutcome> {
  const movedOn = (hook: StepHookRow): HooksOutcome => {
    ctx.commit((tx) => appendRolloutLog(tx, { rolloutId: r.id, at: ctx.now(), level: "warn", message: `hook "${hook.name}" (${STAGE_WORDS[stage]}) cancelled: the rollout moved on` }));
    return { ok: false, superseded: true };
  };
  for (const hook of hooks) {
    const attempts = hook.retries + 1;
    let last: HookAttempt | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && hook.retryDelayMs > 0) {
        await sleep(hook.retryDelayMs, undefined, { signal: ctx.signal }).catch((err: unknown) => {
          if (!ctx.moved.aborted || ctx.jobSignal.aborted) throw err;
        });
      }
      if (ctx.moved.aborted || !ctx.stillCurrent()) return movedOn(hook);
      const t0 = performance.now();
      last = await callHook(hook.url, { method: hook.method, body: hookBody(hook, v.variables) }, { timeoutMs: hook.timeoutMs, signal: ctx.signal });
      // A lost lease or a stopping worker: nothing recorded; the step job runs again (hooks are called again).
      if (ctx.jobSignal.aborted) throw ctx.jobSignal.reason;
      if (ctx.moved.aborted) return movedOn(hook);
      const durationMs = Math.round(performance.now() - t0);
      const passed = hookPassed(last);
      const what = describeAttempt(last);
      const result = last;
      ctx.commit((tx) => {
        const at = ctx.now();
        const retrying = !passed && attempt < attempts;
        appendRolloutLog(tx, {
          rolloutId: r.id,
          at,
          level: passed ? "info" : retrying ? "warn" : "error",
          message: `hook "${hook.name}" (${STAGE_WORDS[stage]}) attempt ${attempt}/${attempts}: ${what} (${durationMs} ms)${retrying ? `; retrying in ${Math.round(hook.retryDelayMs / 1000)} s` : ""}`,
        });
        recordAudit(tx, {
          actor: WORKER,
          action: passed ? "rollout.hook_passed" : "rollout.hook_failed",
          subjectType: "rollout",
          subjectId: r.id,
          environment: v.environment,
          details: {
            hookId: hook.id,
            hook: hook.name,
            stage,
            stepIndex: v.stepIndex,
            method: hook.method,
            url: maskUrl(hook.url),
            status: result.kind === "response" ? result.status : null,
            answer: result.kind === "response" ? result.answer : null,
            error: result.kind === "network" ? result.error : null,
            attempt,
            attempts,
            durationMs,
            final: passed || !retrying,
          },
          at,
        });
      });
      if (passed) break;
    }
    if (last && !hookPassed(last)) return { ok: false, reason: holdReason(hook, last, attempts) };
  }
  return { ok: true };
}
