import "server-only";
import type { Db } from "@/db/connection";
import { verificationOf } from "@/db/queries/changelog";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { VERIFY_TIMEOUT_MS, type VerificationProbe, healthProbe } from "@/lib/domain/rollout/rollback-verification";
import { driverFor } from "@/lib/drivers/registry";
import { runSmoke } from "@/lib/drivers/smoke";
import type { DriverTarget } from "@/lib/drivers/types";
import { recordRollbackVerification } from "@/lib/services/rollouts/verify-rollback";
import { readPromoteGates } from "@/lib/services/promote-gates/read-promote-gates";
import { ROLLOUT_VERIFY_JOB, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

/** The driver's status call is bounded too (a command driver runs a script; PM2 asks its daemon). */
const STATUS_TIMEOUT_MS = 10_000;

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Post-rollback verification (K2), outside any transaction: the driver's health of the stable
 * version and the service's smoke checks against the stable variant (the step handler's smoke,
 * expecting the restored version in the body). The attempt is recorded by the service, which
 * queues the next one or the outcome.
 */
export function verifyRollbackHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    async [ROLLOUT_VERIFY_JOB](ctx) {
      const { rolloutId, attempt } = payloadOf(ctx.job, ROLLOUT_VERIFY_JOB);
      const verification = verificationOf(db, rolloutId);
      if (!verification || verification.status !== "pending" || verification.attempts >= attempt) return; // recorded already
      const r = findRollout(db, rolloutId)!;
      const service = findService(db, r.serviceId)!;
      const environment = findEnvironment(db, r.environmentId)!;
      const target: DriverTarget = { serviceId: service.id, serviceName: service.name, environmentId: environment.id, environmentName: environment.name };
      const restored = verification.restoredVersion;
      const { driver, smokePaths, name } = driverFor(service.deployTarget);
      const probes: VerificationProbe[] = [];
      try {
        probes.push(healthProbe(await bounded(driver.status(target), STATUS_TIMEOUT_MS, `the ${name} driver's status`), restored, { perVersionHealth: name !== "command" }));
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        probes.push({ kind: "health", ok: false, detail: `status failed: ${message(err)}` });
      }
      let base: string | null = null;
      try {
        base = await driver.variantUrl(target, "stable");
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        probes.push({ kind: "smoke", ok: false, detail: `no URL for the stable variant: ${message(err)}` });
      }
      if (base && smokePaths.length > 0) {
        const smoke = await runSmoke(
          smokePaths.map((p) => base + p),
          { timeoutMs: VERIFY_TIMEOUT_MS, expectInBody: restored },
        );
        for (const c of smoke.checks) probes.push({ kind: "smoke", ok: c.ok, url: c.url, status: c.status, ms: c.ms, detail: c.detail });
      }
      // C4: the service's listed smoke endpoints (its promote gates) must answer 200 on the restored version too.
      const listed = readPromoteGates(db, service.id).config.smoke;
      if (base && listed) {
        const smoke = await runSmoke(listed.paths.map((p) => base + p), { timeoutMs: listed.timeoutMs });
        for (const c of smoke.checks) probes.push({ kind: "smoke", ok: c.ok, url: c.url, status: c.status, ms: c.ms, detail: c.detail });
      }
      if (ctx.signal.aborted) throw new Error("verification interrupted");
      ctx.commit((tx) => recordRollbackVerification(tx, { rolloutId, attempt, probes }, now()));
    },
  };
}
