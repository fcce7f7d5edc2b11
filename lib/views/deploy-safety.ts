import "server-only";
import type { z } from "zod";
import type { Executor } from "@/db/connection";
import { findAnalysisState, listDecisions } from "@/db/queries/analysis";
import { type EnvironmentRow, findEnvironment, findService, listEnvironments } from "@/db/queries/catalog";
import { type OverrideRow, type ValidationRow, findProbe, gatesOf, latestValidation, liveOverrides } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { findRollbackRequestWithNames } from "@/db/queries/rollback-requests";
import { findUserById } from "@/db/queries/users";
import type {
  canaryStatusSchema,
  healthReportSchema,
  overrideSchema,
  probeSchema,
  probeSummarySchema,
  rollbackPlanSchema,
  rollbackRequestSchema,
  securityStatusSchema,
  validationSchema,
} from "@/lib/api/spec/deploy-safety";
import { decisionView } from "@/lib/analysis-view";
import { type HealthClass, overallHealth, validationStanding } from "@/lib/domain/health";
import { isActive } from "@/lib/domain/policy/overrides";
import { environmentHealth } from "@/lib/services/health/environment-health";
import { currentFingerprint } from "@/lib/services/releases/release-commands";
import { planRollback } from "@/lib/services/rollouts/plan-rollback";
import { loadGateBanner } from "@/lib/security-view";
import { liveRolloutIn } from "./deploy-safety-refs";
import { loadRolloutResource } from "./rollout-resource";

/** Runbook 003's resources (/api/deploy-safety), each typed by its documented schema (lib/api/spec/deploy-safety.ts). */

const BASE = "/api/deploy-safety";

export function validationResource(db: Executor, v: ValidationRow, now = Date.now()): z.output<typeof validationSchema> {
  const release = findRelease(db, v.releaseId)!;
  const environment = findEnvironment(db, v.environmentId)!;
  const latest = latestValidation(db, release.id, environment.id);
  const standing = latest && latest.id !== v.id ? { ok: false as const, reason: `Validation #${latest.id} is newer; it is the one that counts.` } : validationStanding(v, currentFingerprint(db, release), now);
  return {
    id: v.id,
    release: { id: release.id, version: release.version, service: findService(db, release.serviceId)!.name },
    environment: environment.name,
    status: v.status,
    gates: gatesOf(db, [v.id]).map((g) => ({ key: g.key, label: g.label, status: g.status, detail: g.detail })),
    startedAt: v.startedAt,
    finishedAt: v.finishedAt,
    counts: standing.ok ? { ok: true, reason: null } : { ok: false, reason: standing.reason },
    links: { self: `${BASE}/validations/${v.id}`, run: `${BASE}/validations/${v.id}/run`, release: `/api/v1/releases/${release.id}` },
  };
}

type ProbeHealth = ReturnType<ReturnType<typeof environmentHealth>>["probes"][number];

function probeSummary(db: Executor, p: ProbeHealth, environment: string): z.output<typeof probeSummarySchema> {
  return {
    id: p.id,
    name: p.name,
    environment,
    url: p.url,
    service: p.serviceId === null ? null : (findService(db, p.serviceId)?.name ?? null),
    health: p.health,
    why: p.why,
    checkedAt: p.history[0]?.at ?? null,
    links: { self: `${BASE}/probes/${p.id}` },
  };
}

/** Every environment's health (or one's), from the same probe classes as the Health page. */
export function healthReport(db: Executor, only?: EnvironmentRow): z.output<typeof healthReportSchema> {
  const health = environmentHealth(db, 2);
  const environments = (only ? [only] : listEnvironments(db)).map((e) => {
    const h = health(e.id);
    return { name: e.name, production: e.production, overallHealth: h.overall, probes: h.probes.map((p) => probeSummary(db, p, e.name)) };
  });
  return { overallHealth: overallHealth(environments.map((e) => e.overallHealth)), environments };
}

/** One probe with its latest `limit` results, or undefined when unknown. */
export function probeResource(db: Executor, id: number, limit: number): z.output<typeof probeSchema> | undefined {
  const row = findProbe(db, id);
  if (!row) return undefined;
  const environment = findEnvironment(db, row.environmentId)!;
  const p = environmentHealth(db, limit)(environment.id).probes.find((x) => x.id === id)!;
  return { ...probeSummary(db, p, environment.name), expectStatus: row.expectStatus, timeoutMs: row.timeoutMs, degradedMs: row.degradedMs, history: p.history };
}

const ROLLED_BACK = ["failed", "rolling_back"];

/** The live canary of an environment and runbook 003's class for it (see getCanary's description). */
export function canaryStatus(db: Executor, environment: EnvironmentRow, serviceName: string | undefined): z.output<typeof canaryStatusSchema> {
  const live = liveRolloutIn(db, environment, serviceName);
  if (!live) return { environment: environment.name, status: "none", why: `No rollout${serviceName === undefined ? "" : ` of ${serviceName}`} is live in ${environment.name}.`, rollout: null, analysis: null, latestDecision: null };
  const s = findAnalysisState(db, live.id);
  const analysis = s
    ? {
        verdict: s.verdict,
        health: s.health,
        score: s.score,
        reasons: JSON.parse(s.reasons) as string[],
        evaluatedAt: s.evaluatedAt,
        canary: s.canary ? (JSON.parse(s.canary) as Record<string, number | null>) : null,
        baseline: s.baseline ? (JSON.parse(s.baseline) as Record<string, number | null>) : null,
      }
    : null;
  const latest = listDecisions(db, live.id, 1)[0];
  const decision = latest && decisionView(latest);
  let status: HealthClass;
  let why: string;
  if (ROLLED_BACK.includes(live.status)) {
    status = "unhealthy";
    why = `Rollout #${live.id} is ${live.status.replace("_", " ")}${live.reason ? `: ${live.reason}` : ""}.`;
  } else if (analysis?.health) {
    status = analysis.health;
    why = `Canary analysis: ${analysis.health}, verdict ${analysis.verdict}${analysis.reasons[0] ? ` (${analysis.reasons[0]})` : ""}.`;
  } else {
    status = "degraded";
    why = `Rollout #${live.id} has no canary analysis verdict yet; no evidence is never healthy.`;
  }
  return {
    environment: environment.name,
    status,
    why,
    rollout: loadRolloutResource(db, live.id)!.resource,
    analysis,
    latestDecision: decision ? { ...decision, evidence: decision.evidence ?? null } : null,
  };
}

/** The dry-run rollback plan (planRollback) as the API shows it. */
export function rollbackPlanView(db: Executor, serviceId: number, environmentId: number): z.output<typeof rollbackPlanSchema> {
  const names = { environment: findEnvironment(db, environmentId)!.name, service: findService(db, serviceId)!.name };
  const plan = planRollback(db, serviceId, environmentId);
  if (!plan.ok) return { ok: false, ...names, reason: plan.reason };
  return { ok: true, ...names, kind: plan.kind, from: plan.from, to: plan.to, source: plan.source, steps: plan.steps };
}

/** The plan's kind from its stored source: only aborting a live rollout names one ("live rollout #n", lib/domain/rollout/rollback-plan.ts). */
const kindOfSource = (source: string) => (source.startsWith("live rollout") ? "abort_live" : "redeploy");

export function rollbackRequestResource(db: Executor, id: number): z.output<typeof rollbackRequestSchema> | undefined {
  const found = findRollbackRequestWithNames(db, id);
  if (!found) return undefined;
  const r = found.request;
  return {
    id: r.id,
    environment: found.environment,
    service: found.service,
    fromVersion: r.fromVersion,
    toVersion: r.toVersion === "" ? null : r.toVersion,
    source: r.source,
    kind: kindOfSource(r.source),
    reason: r.reason,
    status: r.executedAt === null ? "created" : "executed",
    createdBy: found.createdByEmail,
    createdAt: r.createdAt,
    executedAt: r.executedAt,
    rolloutId: r.rolloutId,
    links: { self: `${BASE}/rollback/${r.id}`, execute: `${BASE}/rollback/${r.id}/execute`, rollout: r.rolloutId === null ? null : `/api/v1/rollouts/${r.rolloutId}` },
  };
}

export function securityStatus(db: Executor, now = Date.now()): z.output<typeof securityStatusSchema> {
  const { gate, freezes } = loadGateBanner(db, now);
  return {
    mode: gate.mode,
    threatLevel: gate.threatLevel,
    lockdownReason: gate.lockdownReason,
    activeOverrides: liveOverrides(db, now).length,
    changedAt: gate.updatedAt,
    freezes: freezes.map((f) => ({ id: f.window.id, name: f.window.name, startsAt: f.start, endsAt: f.end })),
  };
}

function overrideView(o: OverrideRow, environment: string, approver: string, now: number): z.output<typeof overrideSchema> {
  const status = o.revokedAt !== null ? "revoked" : isActive({ ...o, environment }, now) ? "active" : "expired";
  return {
    id: o.id,
    action: o.action,
    environment,
    reason: o.reason,
    approver,
    ttlMinutes: o.ttlMinutes,
    createdAt: o.createdAt,
    expiresAt: o.expiresAt,
    status,
    revokedAt: o.revokedAt,
    links: { self: `${BASE}/security-gate/override/${o.id}` },
  };
}

/** Active overrides, the soonest to expire first (as the Security page lists them). */
export function activeOverrides(db: Executor, now = Date.now()): z.output<typeof overrideSchema>[] {
  return liveOverrides(db, now).map((o) => overrideView(o.override, o.environment, o.createdByEmail, now));
}

export function overrideResource(db: Executor, o: OverrideRow, now = Date.now()): z.output<typeof overrideSchema> {
  return overrideView(o, findEnvironment(db, o.environmentId)!.name, findUserById(db, o.createdBy)!.email, now);
}
