import "server-only";
import type { Db, Executor } from "@/db/connection";
import { findEnvironment } from "@/db/queries/catalog";
import { findValidation, gatesOf, preflightOf, readGate, setGateResult, setValidationStatus } from "@/db/queries/governance";
import { type ReleaseRow, findRelease, rolloutsOfRelease } from "@/db/queries/releases";
import { recordAudit } from "@/lib/audit/record";
import type { ValidationGate } from "@/lib/domain/health";
import { deploymentsOf } from "@/lib/domain/release/deployments";
import { RELEASE_PHASES } from "@/lib/domain/release/lifecycle";
import { environmentHealth } from "@/lib/services/health/environment-health";
import { releaseEnvironments } from "@/lib/services/releases/drive-release";
import { VALIDATION_JOB, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

type Check = { ok: boolean; detail: string };

/** Each gate of runbook 003's prerequisites, checked against what is recorded now. */
function checkGate(db: Executor, key: ValidationGate, release: ReleaseRow, environmentId: number): Check {
  switch (key) {
    case "preflight": {
      const open = preflightOf(db, release.id).filter((i) => i.status !== "passed");
      return open.length === 0 ? { ok: true, detail: "every checklist item passed" } : { ok: false, detail: `not passed: ${open.map((i) => i.label).join("; ")}` };
    }
    case "health": {
      const h = environmentHealth(db, 2)(environmentId);
      const detail = h.probes.length ? h.probes.map((p) => `${p.name}: ${p.health} (${p.why})`).join("; ") : "no health probes configured for this environment";
      return { ok: h.overall === "healthy", detail: `overall ${h.overall}: ${detail}` };
    }
    case "security": {
      const g = readGate(db);
      return g.mode === "lockdown" ? { ok: false, detail: `the gate is in lockdown${g.lockdownReason ? ` (${g.lockdownReason})` : ""}` } : { ok: true, detail: `mode ${g.mode}` };
    }
    case "parity": {
      const staging = releaseEnvironments(db).staging;
      const done = new Set(rolloutsOfRelease(db, release.id).filter((r) => r.environmentId === staging.id && r.status === "succeeded").map((r) => r.serviceId));
      const missing = deploymentsOf(release).filter((d) => !done.has(d.serviceId));
      return missing.length === 0 ? { ok: true, detail: `${release.version} succeeded in ${staging.name}` } : { ok: false, detail: `${release.version} has not succeeded in ${staging.name} for every deployment` };
    }
    case "soak": {
      const reached = RELEASE_PHASES.indexOf(release.status as (typeof RELEASE_PHASES)[number]) >= RELEASE_PHASES.indexOf("production_approval");
      return reached ? { ok: true, detail: "the staging soak ended" } : { ok: false, detail: "the release has not finished its staging soak" };
    }
  }
}

/** Runs a validation's gates one by one, each shown running then passed/failed with its detail (C2). */
export function validationHandlers(db: Db, now: () => number = Date.now): Record<string, JobHandler> {
  return {
    [VALIDATION_JOB](ctx) {
      const { validationId } = payloadOf(ctx.job, VALIDATION_JOB);
      const v = findValidation(db, validationId);
      if (!v || v.status === "passed" || v.status === "failed") return;
      const release = findRelease(db, v.releaseId)!;
      const environment = findEnvironment(db, v.environmentId)!;
      ctx.commit((tx) => setValidationStatus(tx, v.id, { status: "running", finishedAt: null }));
      const results: { key: string; ok: boolean; detail: string }[] = [];
      for (const gate of gatesOf(db, [v.id])) {
        ctx.commit((tx) => setGateResult(tx, gate.id, { status: "running", detail: null }));
        const r = checkGate(db, gate.key as ValidationGate, release, environment.id);
        results.push({ key: gate.key, ...r });
        ctx.commit((tx) => setGateResult(tx, gate.id, { status: r.ok ? "passed" : "failed", detail: r.detail }));
      }
      const passed = results.every((r) => r.ok);
      ctx.commit((tx) => {
        setValidationStatus(tx, v.id, { status: passed ? "passed" : "failed", finishedAt: now() });
        recordAudit(tx, { actor: { kind: "system", label: "worker" }, action: "validation.finish", subjectType: "release", subjectId: release.id, environment: environment.name, details: { validationId: v.id, status: passed ? "passed" : "failed", gates: results }, at: now() });
      });
    },
  };
}
