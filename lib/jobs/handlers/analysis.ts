import "server-only";
import type { Db } from "@/db/connection";
import { findAnalysisState, insertProviderSamples, insertResourceSamples } from "@/db/queries/analysis";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { enqueueJob, purgeFinishedJobs } from "@/db/queries/jobs";
import { type RolloutRow, appendRolloutLog, findRollout } from "@/db/queries/rollouts";
import { EVALUATING_STATUSES, TICKING_STATUSES, nextEvaluationDelay } from "@/lib/domain/analysis/cadence";
import { type AnalysisState, type FetchResult, enterStep, evaluate, initialAnalysisState } from "@/lib/domain/analysis/evaluate";
import { driverFor } from "@/lib/drivers/registry";
import type { DriverTarget } from "@/lib/drivers/types";
import { processUsage } from "@/lib/metrics/proc";
import { providerFor } from "@/lib/metrics/registry";
import { autoRollback } from "@/lib/services/analysis/auto-rollback";
import { holdForCaptain } from "@/lib/services/analysis/hold-for-captain";
import { analysisApplies } from "@/lib/analysis-view";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";
import { recordEvaluation } from "@/lib/services/analysis/record-evaluation";
import { ANALYSIS_TICK_JOB } from "@/lib/services/rollouts/apply-rollout-event";
import { analysisTickKey, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";


function targetOf(db: Db, r: RolloutRow): { target: DriverTarget; deployTarget: string; environment: string } {
  const service = findService(db, r.serviceId)!;
  const environment = findEnvironment(db, r.environmentId)!;
  return {
    target: { serviceId: service.id, serviceName: service.name, environmentId: environment.id, environmentName: environment.name },
    deployTarget: service.deployTarget,
    environment: environment.name,
  };
}

/**
 * `analysis.tick`: one evaluation of a live rollout every interval (REQUIREMENTS I1-I5). Samples
 * the versions' CPU and memory, asks the provider, evaluates the rules (pure), stores the verdict
 * and applies a decision, all under the job's lease; then queues the next tick.
 */
export function analysisHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    async [ANALYSIS_TICK_JOB](ctx) {
      const { rolloutId, n } = payloadOf(ctx.job, ANALYSIS_TICK_JOB);
      const r = findRollout(db, rolloutId);
      if (!r || !TICKING_STATUSES.includes(r.status)) return; // rolled back, rolling back or done: analysis ends
      const { config: cfg, error: configError } = readAnalysisConfig(db, r.serviceId);
      const intervalMs = Math.round(cfg.intervalSeconds * 1000);
      const next = (tx: Parameters<Parameters<typeof ctx.commit>[0]>[0], delay = intervalMs) => {
        // Ticks are one job a second per live rollout: every 600th one clears finished ticks older than 10 min.
        if (n % 600 === 0) purgeFinishedJobs(tx, ANALYSIS_TICK_JOB, now() - 10 * 60_000);
        return enqueueJob(tx, { kind: ANALYSIS_TICK_JOB, payload: { rolloutId, n: n + 1 }, runAt: now() + delay, idempotencyKey: analysisTickKey(rolloutId, n + 1), now: now() });
      };
      if (!cfg.enabled && !configError) {
        // Switched off: keep a slow pulse so switching it back on takes effect for this rollout.
        ctx.commit((tx) => next(tx, 5000));
        return;
      }
      if (!EVALUATING_STATUSES.includes(r.status) || !analysisApplies(cfg, r) || !r.fromVersion) {
        ctx.commit((tx) => next(tx));
        return;
      }
      const { target, deployTarget, environment } = targetOf(db, r);
      const t = now();
      let result: FetchResult | null = null;
      try {
        const { driver } = driverFor(deployTarget);
        if (driver.processes) {
          const second = Math.floor(t / 1000);
          const procs = await driver.processes(target);
          const rows = procs.flatMap((p) => {
            const u = processUsage(p.pid, t);
            return u && u.cpuPct !== null
              ? [{ serviceId: target.serviceId, environmentId: target.environmentId, second, variant: p.role === "canary" ? ("canary" as const) : ("baseline" as const), version: p.version, cpuPct: u.cpuPct, rssBytes: u.rssBytes, memoryPct: u.memoryPct }]
              : [];
          });
          if (rows.length) ctx.commit((tx) => insertResourceSamples(tx, rows));
        }
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        // Sampling is part of the measurement: a failure is an error verdict, never a silent pass.
        result = { ok: false, error: `CPU/memory sampling failed: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (!result && configError) result = { ok: false, error: `the stored analysis config is invalid (${configError})` };
      // Counts run from the step's start: the first evaluation that saw this step and weight.
      const stepKey = `${r.stepIndex}:${r.weight}`;
      const before = findAnalysisState(db, rolloutId);
      const stepStartedAt = enterStep(before ? (JSON.parse(before.state) as AnalysisState) : initialAnalysisState(), stepKey, t).stepSince!;
      if (!result) {
        try {
          const snapshot = await providerFor(db, cfg.provider).snapshot({ target, canaryVersion: r.toVersion, baselineVersion: r.fromVersion, windowSeconds: cfg.windowSeconds, at: now(), stepStartedAt });
          result = { ok: true, snapshot };
        } catch (err) {
          result = { ok: false, error: err instanceof Error ? err.message : String(err) };
        }
      }
      const fetched: FetchResult = result;
      ctx.commit((tx) => {
        const fresh = findRollout(tx, rolloutId);
        if (!fresh || !TICKING_STATUSES.includes(fresh.status)) return;
        const stored = findAnalysisState(tx, rolloutId);
        const prev = enterStep(stored ? (JSON.parse(stored.state) as AnalysisState) : initialAnalysisState(), stepKey, stepStartedAt);
        const at = now();
        const e = evaluate(cfg, prev, fetched, at);
        // Charts of a service measured only by Prometheus: the per-second rows the provider read.
        if (fetched.ok) insertProviderSamples(tx, fetched.snapshot.chart);
        recordEvaluation(tx, rolloutId, e);
        // Logged when the verdict or the kind of its first reason changes ("awaiting evidence of safety", a rule id).
        const topic = (verdict: string, reason: string | undefined) => `${verdict}|${(reason ?? "").split(":")[0]}`;
        if (!stored || topic(stored.verdict, (JSON.parse(stored.reasons) as string[])[0]) !== topic(e.verdict, e.reasons[0])) {
          appendRolloutLog(tx, { rolloutId, at, level: e.verdict === "pass" ? "info" : "warn", message: `analysis ${e.verdict}: ${e.reasons.slice(0, 2).join("; ")}` });
        }
        const d = e.decision;
        if (d && EVALUATING_STATUSES.includes(fresh.status)) {
          if (d.kind === "rollback_immediate" || d.kind === "rollback_gradual") {
            autoRollback(tx, fresh, { ...d, kind: d.kind }, { cfg, environment, at });
            return; // rolling back: the chain ends here
          }
          holdForCaptain(tx, fresh, d, e.verdict, { environment, at });
        }
        next(tx, nextEvaluationDelay(e, intervalMs));
      });
    },
  };
}
