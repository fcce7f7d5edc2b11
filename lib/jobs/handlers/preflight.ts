import "server-only";
import type { Db } from "@/db/connection";
import { findService, listEnvironments } from "@/db/queries/catalog";
import { preflightOf, setPreflightResult } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { recordAudit } from "@/lib/audit/record";
import { factCheck } from "@/lib/domain/release/preflight";
import { driverFor } from "@/lib/drivers/registry";
import { describeSmoke, runSmoke } from "@/lib/drivers/smoke";
import { readPromoteGates } from "@/lib/services/promote-gates/read-promote-gates";
import { PREFLIGHT_JOB, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

const PROBE_TIMEOUT_MS = 3000;

/** Probes the service's health in every environment where it runs (C1 "environment verified", C3). */
async function probeEnvironments(db: Db, serviceId: number): Promise<{ ok: boolean; detail: string }> {
  const service = findService(db, serviceId)!;
  const { driver, smokePaths: healthPaths } = driverFor(service.deployTarget);
  // C4: the service's listed smoke endpoints (its promote gates) are probed with the health path.
  const smokePaths = [...new Set([...healthPaths, ...(readPromoteGates(db, serviceId).config.smoke?.paths ?? [])])];
  const urls: string[] = [];
  for (const env of listEnvironments(db)) {
    const base = await driver.variantUrl({ serviceId, serviceName: service.name, environmentId: env.id, environmentName: env.name }, "stable");
    if (base) urls.push(...(smokePaths.length ? smokePaths : ["/"]).map((p) => base + p));
  }
  if (urls.length === 0) return { ok: false, detail: `No environment of ${service.name} has a reachable version to probe.` };
  const r = await runSmoke(urls, { timeoutMs: PROBE_TIMEOUT_MS });
  return { ok: r.ok, detail: describeSmoke(r) };
}

export function preflightHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    async [PREFLIGHT_JOB](ctx) {
      const { releaseId } = payloadOf(ctx.job, PREFLIGHT_JOB);
      const release = findRelease(db, releaseId);
      if (!release) return;
      const results: { id: number; key: string; ok: boolean; detail: string }[] = [];
      for (const item of preflightOf(db, releaseId)) {
        if (item.check === "fact") results.push({ id: item.id, key: item.key, ...factCheck(item.key, release) });
        if (item.check === "http") results.push({ id: item.id, key: item.key, ...(await probeEnvironments(db, release.serviceId)) });
      }
      ctx.commit((tx) => {
        const at = now();
        for (const r of results) setPreflightResult(tx, r.id, { status: r.ok ? "passed" : "failed", evidence: r.detail, decidedBy: null, decidedAt: at });
        recordAudit(tx, {
          actor: { kind: "system", label: "worker" },
          action: "preflight.check",
          subjectType: "release",
          subjectId: releaseId,
          details: { results: results.map(({ key, ok, detail }) => ({ key, ok, detail })) },
          at,
        });
      });
    },
  };
}
