import "server-only";
import type { Executor } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { findFlag } from "@/db/queries/flags";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import { flagHookBody, flagHookVariables } from "@/lib/domain/flags/external";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { type AttemptResult, DELIVERY_POLICY, describeResult, judgeAttempt } from "@/lib/domain/notifications/delivery";
import type { DeliveryContext } from "@/lib/services/notifications/deliver-message";
import { postWebhook } from "@/lib/services/notifications/webhook-request";
import { queueExternalFlagSync } from "./queue-external-sync";

const WORKER: SystemActor = { kind: "system", label: "worker" };

/**
 * One attempt to send a flag's state to its external flag service (the `flag.external_sync` job):
 * POST the rendered body outside any transaction, then either queue the next attempt after the
 * chat notifications' backoff (network errors, 5xx, 429) or audit the outcome on the flag
 * (`flag.external_synced` / `flag.external_sync_failed`), which its page shows.
 */
export async function syncExternalFlag(db: Executor, input: { flagId: number; rowVersion: number; enabled: boolean; percentage: number; attempt: number }, ctx: DeliveryContext): Promise<void> {
  const policy = ctx.policy ?? DELIVERY_POLICY;
  const flag = findFlag(db, input.flagId);
  // No endpoint any more, or a later change moved the flag: that change has its own job.
  if (!flag?.externalUrl || flag.enabled !== input.enabled || flag.rolloutPercentage !== input.percentage) return;
  const url = flag.externalUrl;
  const environment = flag.environmentId === null ? null : (findEnvironment(db, flag.environmentId)?.name ?? null);
  const state = { key: flag.key, enabled: input.enabled, rolloutPercentage: input.percentage };
  const body = flagHookBody(flag.externalBody, flagHookVariables(state, environment));
  const t0 = performance.now();
  const result: AttemptResult = await postWebhook(url, { headers: { "content-type": "application/json" }, body }, { timeoutMs: policy.timeoutMs, signal: ctx.signal });
  // A lost lease or a stopping worker: nothing recorded; the job runs this attempt again.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const durationMs = Math.round(performance.now() - t0);
  const at = ctx.now();
  const verdict = judgeAttempt(result, input.attempt, { now: at, random: ctx.random(), policy });
  // A 4xx other than 429 will not get better (the delivery policy's rule).
  const refused = result.kind === "response" && result.status < 500 && result.status !== 429;
  ctx.commit((tx) => {
    if (verdict.outcome === "retry") {
      queueExternalFlagSync(tx, { id: flag.id, rowVersion: input.rowVersion, enabled: input.enabled, rolloutPercentage: input.percentage, externalUrl: url }, at, input.attempt + 1, at + verdict.delayMs);
      return;
    }
    recordAudit(tx, {
      actor: WORKER,
      action: verdict.outcome === "delivered" ? "flag.external_synced" : "flag.external_sync_failed",
      subjectType: "flag",
      subjectId: flag.id,
      environment: environment ?? undefined,
      details: {
        key: flag.key,
        enabled: input.enabled,
        rolloutPercentage: input.percentage,
        rowVersion: input.rowVersion,
        url: maskUrl(url),
        attempts: input.attempt,
        statusCode: result.kind === "response" ? result.status : null,
        error: verdict.outcome !== "failed" ? null : refused ? `${describeResult(result)} is not retried: the flag service refused the change.` : verdict.why,
        answer: describeResult(result),
        durationMs,
      },
      at,
    });
  });
}
