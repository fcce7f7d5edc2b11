import type { z } from "zod";
import type { rolloutResourceSchema } from "@/lib/api/spec/common";
import type { rollbackPlanSchema } from "@/lib/api/spec/deploy-safety";
import type { rolloutLiveSchema } from "@/lib/api/spec/rollouts";
import type { CliError, Problem } from "./client";
import type { RolloutStatus } from "./exit-codes";

/** The API's rollout resource: its documented schema (lib/api/spec), so the CLI cannot drift from it. */
export type Rollout = z.infer<typeof rolloutResourceSchema>;

/** The clock-derived live view (GET /api/v1/rollouts/{id}/live): hold left, what holds it, the verdict. */
export type LiveView = Partial<z.infer<typeof rolloutLiveSchema>>;

/** What a progress line shows; also the `--json` progress event. */
export interface Progress {
  rolloutId: number;
  status: RolloutStatus;
  /** 1-based step number and the plan's length. */
  step: number;
  steps: number;
  stepLabel: string;
  weight: number;
  verdict: string | null;
  holdLeftMs: number | null;
  heldBy: string | null;
  reason: string | null;
}

function stepLabel(step: Rollout["plan"][number] | undefined): string {
  if (!step) return "?";
  if (step.kind === "shift") return `shift to ${step.weight}%`;
  return step.kind;
}

/** Time left in the current hold: the live view's figure, else from the stored state and the local clock. */
function holdLeft(r: Rollout, live: LiveView | null, now: number): number | null {
  if (typeof live?.holdLeftMs === "number") return live.holdLeftMs;
  if (r.status === "paused") return r.holdRemainingMs;
  if (r.status === "running" && r.phase === "hold" && r.holdEndsAt !== null) return Math.max(0, r.holdEndsAt - now);
  return null;
}

export function progressOf(r: Rollout, live: LiveView | null, now: number): Progress {
  return {
    rolloutId: r.id,
    status: r.status,
    step: Math.min(r.stepIndex + 1, r.plan.length),
    steps: r.plan.length,
    stepLabel: stepLabel(r.plan[r.stepIndex]),
    weight: r.weight,
    verdict: live?.verdict ?? null,
    holdLeftMs: holdLeft(r, live, now),
    heldBy: live?.heldBy ?? null,
    reason: r.reason,
  };
}

/** What makes a progress event new: neither the hold countdown nor a count inside the hold's reason ("20 < 100"). */
export function progressKey(p: Progress): string {
  return JSON.stringify({ ...p, holdLeftMs: p.holdLeftMs === null ? null : "set", heldBy: p.heldBy?.replace(/\d+(\.\d+)?/g, "#") ?? null });
}

/** 65_000 -> "1:05", 3_720_000 -> "1:02:00". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "rollout #12 running: step 3/5 shift to 25%, weight 25%, verdict pass, hold 0:42 left" */
export function formatProgress(p: Progress): string {
  const parts = [`step ${p.step}/${p.steps} ${p.stepLabel}`, `weight ${p.weight}%`];
  if (p.verdict) parts.push(`verdict ${p.verdict}`);
  if (p.holdLeftMs !== null && (p.status === "running" || p.status === "paused")) parts.push(`hold ${formatDuration(p.holdLeftMs)} left${p.status === "paused" ? " (paused)" : ""}`);
  if (p.heldBy) parts.push(`held: ${p.heldBy}`);
  return `rollout #${p.rolloutId} ${p.status.replace("_", " ")}: ${parts.join(", ")}`;
}

/** The closing line of a rollout: what happened, with the decision sentence when it did not succeed. */
export function formatOutcome(r: Pick<Rollout, "id" | "service" | "environment" | "toVersion" | "status" | "reason">): string {
  const what = `rollout #${r.id} of ${r.service} ${r.toVersion} in ${r.environment}`;
  switch (r.status) {
    case "succeeded":
      return `${what} succeeded.`;
    case "paused":
      return `${what} is paused and waiting for a person${r.reason ? `: ${r.reason}` : ""} (npm run fd -- resume|promote|abort ${r.id}).`;
    default: {
      const status = r.status.replace("_", " ");
      if (!r.reason) return `${what} ${status}.`;
      // The decision sentence verbatim; it often starts with the status already ("rolled back: canary 5xx ...").
      return r.reason.toLowerCase().startsWith(status) ? `${what}: ${r.reason}` : `${what} ${status}: ${r.reason}`;
    }
  }
}

/** A problem's lines for a person: the policy's reasons and requirements verbatim, field errors by field. */
export function problemLines(problem: Problem, message: string): string[] {
  const lines: string[] = [];
  if (problem.code === "BLOCKED") {
    lines.push("Blocked by policy:");
    for (const reason of problem.reasons?.length ? problem.reasons : [message]) lines.push(`  reason: ${reason}`);
    for (const req of problem.requires ?? []) lines.push(`  requires: ${req}`);
  } else {
    lines.push(`${problem.title ?? "Error"} (HTTP ${problem.status}${problem.code ? ` ${problem.code}` : ""}): ${message}`);
    for (const [field, messages] of Object.entries(problem.fieldErrors ?? {})) lines.push(`  ${field}: ${messages.join(" ")}`);
  }
  if (problem.requestId) lines.push(`  (request id ${problem.requestId})`);
  return lines;
}

export function errorLines(err: CliError): string[] {
  return err.problem ? problemLines(err.problem, err.message) : [err.message];
}

/** The dry-run rollback plan (GET /api/deploy-safety/rollback/plan), or why there is none. */
export type RollbackPlanView = z.infer<typeof rollbackPlanSchema>;

/** The plan's lines; `applying` when it is about to be carried out (--apply), else a dry run. */
export function formatPlan(plan: RollbackPlanView, applying = false): string[] {
  const where = `${plan.service} in ${plan.environment}`;
  if (!plan.ok) return [`No rollback plan for ${where}: ${plan.reason}`];
  return [
    applying ? `Rolling back ${where} by this plan:` : `Rollback plan of ${where} (dry run: nothing was changed)`,
    `  from:   ${plan.from ?? "nothing"}`,
    `  to:     ${plan.to ?? "nothing"}`,
    `  source: ${plan.source}`,
    "  steps:",
    ...plan.steps.map((s, i) => `    ${i + 1}. ${s}`),
  ];
}
