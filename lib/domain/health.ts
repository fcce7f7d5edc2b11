import { z } from "zod";

/** Health classes of runbook 003 ("overallHealth"). */
export const HEALTH_CLASSES = ["healthy", "degraded", "unhealthy"] as const;
export type HealthClass = (typeof HEALTH_CLASSES)[number];

export interface ProbeResultLike {
  ok: boolean;
  ms: number;
}

/**
 * One probe's class from its latest results, newest first: the last two failed -> unhealthy; the
 * last failed, or it answers slower than `degradedMs` -> degraded; no result yet -> degraded
 * (no data is never healthy).
 */
export function probeClass(latest: readonly ProbeResultLike[], degradedMs: number): { health: HealthClass; why: string } {
  const [last, previous] = latest;
  if (!last) return { health: "degraded", why: "no result yet" };
  if (!last.ok && previous && !previous.ok) return { health: "unhealthy", why: "failed twice in a row" };
  if (!last.ok) return { health: "degraded", why: "the last check failed" };
  if (last.ms > degradedMs) return { health: "degraded", why: `answered in ${last.ms} ms (> ${degradedMs} ms)` };
  return { health: "healthy", why: `answered in ${last.ms} ms` };
}

/** The worst class wins; an environment without probes is degraded, never healthy. */
export function overallHealth(classes: readonly HealthClass[]): HealthClass {
  if (classes.length === 0) return "degraded";
  if (classes.includes("unhealthy")) return "unhealthy";
  if (classes.includes("degraded")) return "degraded";
  return "healthy";
}

export const VALIDATION_GATES = {
  preflight: "All release gates passed (pre-flight checklist)",
  health: "Health probes healthy",
  security: "Security mode is enforce or monitor",
  parity: "Environment parity: the release succeeded in staging",
  soak: "Staging soak complete",
} as const;
export type ValidationGate = keyof typeof VALIDATION_GATES;

/** Gates of a validation (runbook 003 "Prerequisites"): production adds parity and soak. */
export function gatesFor(environment: { production: boolean }): ValidationGate[] {
  return environment.production ? ["preflight", "health", "security", "parity", "soak"] : ["preflight", "health", "security"];
}

/** A validation counts for a deploy while it passed, is recent and is about the release as it is now. */
export const VALIDATION_MAX_AGE_MS = 60 * 60_000;
export function validationStanding(v: { status: string; finishedAt: number | null; fingerprint: string } | undefined, fingerprint: string, now: number): { ok: true } | { ok: false; reason: string } {
  if (!v) return { ok: false, reason: "Run the release validation for this environment first." };
  if (v.status === "pending" || v.status === "running") return { ok: false, reason: "The release validation is still running." };
  if (v.status === "failed") return { ok: false, reason: "The release validation failed; fix the failing gates and run it again." };
  if (v.fingerprint !== fingerprint) return { ok: false, reason: "The release changed since it was validated; run the validation again." };
  if (v.finishedAt === null || now - v.finishedAt > VALIDATION_MAX_AGE_MS) return { ok: false, reason: "The release validation is older than 1 hour; run it again." };
  return { ok: true };
}

/** A configured health probe (C3): a fixed URL, or a service whose health path is probed through its driver. */
export const createProbeInput = z
  .object({
    name: z.string().trim().min(1, "Name the probe.").max(100),
    environmentId: z.coerce.number().int().positive(),
    url: z.union([z.literal(""), z.url({ protocol: /^https?$/, message: "Enter an http(s) URL." }).max(2000, "Use at most 2,000 characters.")]).optional(),
    serviceId: z.union([z.literal(""), z.coerce.number().int().positive()]).optional(),
    expectStatus: z.coerce.number().int().min(100).max(599).default(200),
    timeoutMs: z.coerce.number().int().min(100, "At least 100 ms.").max(30_000, "At most 30 s.").default(2000),
    degradedMs: z.coerce.number().int().min(1).max(30_000).default(1000),
  })
  .refine((p) => Boolean(p.url) !== Boolean(p.serviceId), { path: ["url"], message: "Give either a URL or a service (its health path is probed)." });

