import { z } from "zod";
import { InvalidError } from "@/lib/errors";
import { type Role, ROLES, ROLE_LABELS } from "../roles";
import { webhookUrlError } from "../notifications/channels";

/**
 * Runbook 000 section 4 ("Promote only when all are true") as per-service gates (issue 13 item 3,
 * REQUIREMENTS H6, C4): CI passed on the same commit, canary smoke on listed endpoints, no critical
 * log line for a quiet period, and the core path attested by a person. A gate left out is off.
 */
export const PROMOTE_GATES = ["ci", "smoke", "logs", "attestation"] as const;
export type PromoteGate = (typeof PROMOTE_GATES)[number];
export const GATE_LABELS: Record<PromoteGate, string> = {
  ci: "CI gate on the same commit",
  smoke: "Canary smoke endpoints",
  logs: "No critical lines in the canary's logs",
  attestation: "Core path validated by a person",
};

export const GATE_STATUSES = ["pending", "passed", "failed"] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

export type CiGateConfig = { kind: "command"; command: string; cwd: string | null; timeoutMs: number } | { kind: "url"; url: string; timeoutMs: number };
export interface PromoteGatesConfig {
  ci: CiGateConfig | null;
  smoke: { paths: string[]; timeoutMs: number } | null;
  logs: { pattern: string; quietMs: number } | null;
  attestation: { role: Role; checklist: string[] } | null;
}

export const NO_GATES: PromoteGatesConfig = { ci: null, smoke: null, logs: null, attestation: null };
export const hasGates = (c: PromoteGatesConfig) => PROMOTE_GATES.some((g) => c[g] !== null);

/** Runbook 000's core path: what the person validates on the canary before promotion. */
export const DEFAULT_CHECKLIST = ["Task create", "Orchestrate", "State transition to hitl_review/completed"] as const;
export const DEFAULTS = { ciTimeoutSeconds: 600, smokeTimeoutSeconds: 5, quietSeconds: 600, role: "service_owner" as Role } as const;
export const CI_URL_VARIABLES = ["commit", "version", "service", "environment"] as const;

export const GATE_MESSAGES = {
  ciKind: "Choose how the CI gate is checked: none, a command or a URL.",
  ciCommand: "Give the command that checks CI for the commit, e.g. npm run ci:gate (at most 2,000 characters).",
  ciCwd: "The directory must be an absolute path, e.g. /srv/mission-control.",
  ciCwdNeeded: "This service is not built from git, so there is no release directory: give the directory the command runs in.",
  ciUrl: "Give the CI status URL, e.g. https://ci.example.com/status/{{commit}} (http or https).",
  ciUrlVariables: (bad: string[]) => `The URL may only use ${CI_URL_VARIABLES.map((v) => `{{${v}}}`).join(", ")}; not ${bad.map((v) => `{{${v}}}`).join(", ")}.`,
  ciTimeout: "The CI timeout is a whole number of seconds from 1 to 3600.",
  smokePath: (p: string) => `Each smoke endpoint is a path starting with /, e.g. /api/workspaces (not "${p}").`,
  smokeCount: "List at most 20 smoke endpoints.",
  smokePathLength: "Each smoke endpoint has at most 500 characters.",
  smokeTimeout: "The smoke timeout is a whole number of seconds from 1 to 60.",
  pattern: (detail: string) => `The critical pattern is not a valid regular expression: ${detail}.`,
  patternLength: "The critical pattern has at most 500 characters.",
  quiet: "The quiet period is a whole number of seconds from 1 to 86400 (a day).",
  role: "Choose the role that attests, or none.",
  checklist: "Each checklist item has at most 200 characters, and there are at most 20 items.",
} as const;

/**
 * The critical pattern as a RegExp: `FATAL|panic` (case-sensitive) or `/fatal|panic/i` with flags.
 * Throws the parser's own message (shown on the field).
 */
export function criticalRegex(pattern: string): RegExp {
  const slashed = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  if (slashed) return new RegExp(slashed[1]!, slashed[2]!.replace(/[gy]/g, ""));
  return new RegExp(pattern);
}

/** Why a pattern cannot be used, or null. */
export function patternError(pattern: string): string | null {
  try {
    const re = criticalRegex(pattern);
    // A pattern that matches the empty string would match every line.
    if (re.test("")) return GATE_MESSAGES.pattern("it matches an empty line, so every line would count as critical");
    return null;
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: /, "").replace(/\.$/, "");
    return GATE_MESSAGES.pattern(detail);
  }
}

const lines = (v: unknown): string[] =>
  typeof v === "string"
    ? v
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
    : Array.isArray(v)
      ? v.map((x) => String(x).trim()).filter(Boolean)
      : [];
const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");
const wholeNumber = (min: number, max: number, fallback: number, message: string) =>
  z.preprocess((v) => (blank(v) ? fallback : v), z.coerce.number({ error: message }).int(message).min(min, message).max(max, message));
const id = z.coerce.number().int().positive();

/**
 * The settings form, one flat field per input (a field error lands under its input). Blank means
 * off: no CI kind, no smoke paths, no pattern, no role.
 */
export const promoteGatesInput = z
  .object({
    serviceId: id,
    rowVersion: z.coerce.number().int().nonnegative(),
    ciKind: z.preprocess((v) => (blank(v) ? "none" : v), z.enum(["none", "command", "url"], { error: GATE_MESSAGES.ciKind })),
    ciCommand: z.preprocess(text, z.string().max(2000, GATE_MESSAGES.ciCommand)),
    ciCwd: z.preprocess(text, z.string().max(1000, GATE_MESSAGES.ciCwd)),
    ciUrl: z.preprocess(text, z.string().max(2000, GATE_MESSAGES.ciUrl)),
    ciTimeoutSeconds: wholeNumber(1, 3600, DEFAULTS.ciTimeoutSeconds, GATE_MESSAGES.ciTimeout),
    smokePaths: z.preprocess(lines, z.array(z.string().max(500, GATE_MESSAGES.smokePathLength)).max(20, GATE_MESSAGES.smokeCount)),
    smokeTimeoutSeconds: wholeNumber(1, 60, DEFAULTS.smokeTimeoutSeconds, GATE_MESSAGES.smokeTimeout),
    logPattern: z.preprocess(text, z.string().max(500, GATE_MESSAGES.patternLength)),
    logQuietSeconds: wholeNumber(1, 86_400, DEFAULTS.quietSeconds, GATE_MESSAGES.quiet),
    attestRole: z.preprocess((v) => (blank(v) || v === "none" ? null : v), z.enum(ROLES, { error: GATE_MESSAGES.role }).nullable()),
    attestChecklist: z.preprocess(lines, z.array(z.string().max(200, GATE_MESSAGES.checklist)).max(20, GATE_MESSAGES.checklist)),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.ciKind === "command") {
      if (!v.ciCommand) issue("ciCommand", GATE_MESSAGES.ciCommand);
      if (v.ciCwd && !v.ciCwd.startsWith("/")) issue("ciCwd", GATE_MESSAGES.ciCwd);
    }
    if (v.ciKind === "url") {
      const urlError = v.ciUrl ? webhookUrlError(v.ciUrl.replace(/\{\{\s*\w+\s*\}\}/g, "x")) : GATE_MESSAGES.ciUrl;
      if (urlError) issue("ciUrl", GATE_MESSAGES.ciUrl);
      const unknown = [...v.ciUrl.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).filter((n) => !(CI_URL_VARIABLES as readonly string[]).includes(n));
      if (unknown.length) issue("ciUrl", GATE_MESSAGES.ciUrlVariables(unknown));
    }
    for (const p of v.smokePaths) if (!p.startsWith("/") || /\s/.test(p)) issue("smokePaths", GATE_MESSAGES.smokePath(p));
    if (v.logPattern) {
      const error = patternError(v.logPattern);
      if (error) issue("logPattern", error);
    }
  });
export type PromoteGatesInput = z.output<typeof promoteGatesInput>;

/** The stored config of a valid form. */
export function configOfInput(v: PromoteGatesInput): PromoteGatesConfig {
  return {
    ci:
      v.ciKind === "command"
        ? { kind: "command", command: v.ciCommand, cwd: v.ciCwd || null, timeoutMs: v.ciTimeoutSeconds * 1000 }
        : v.ciKind === "url"
          ? { kind: "url", url: v.ciUrl, timeoutMs: v.ciTimeoutSeconds * 1000 }
          : null,
    smoke: v.smokePaths.length ? { paths: [...new Set(v.smokePaths)], timeoutMs: v.smokeTimeoutSeconds * 1000 } : null,
    logs: v.logPattern ? { pattern: v.logPattern, quietMs: v.logQuietSeconds * 1000 } : null,
    attestation: v.attestRole ? { role: v.attestRole, checklist: v.attestChecklist.length ? [...new Set(v.attestChecklist)] : [...DEFAULT_CHECKLIST] } : null,
  };
}

const storedSchema = z.object({
  ci: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("command"), command: z.string(), cwd: z.string().nullable(), timeoutMs: z.number() }),
      z.object({ kind: z.literal("url"), url: z.string(), timeoutMs: z.number() }),
    ])
    .nullable(),
  smoke: z.object({ paths: z.array(z.string()), timeoutMs: z.number() }).nullable(),
  logs: z.object({ pattern: z.string(), quietMs: z.number() }).nullable(),
  attestation: z.object({ role: z.enum(ROLES), checklist: z.array(z.string()) }).nullable(),
});

/** A stored config read back; a row that does not parse holds every promotion (never read as "no gates"). */
export function parseStoredConfig(json: string): { ok: true; config: PromoteGatesConfig } | { ok: false; error: string } {
  try {
    const parsed = storedSchema.safeParse(JSON.parse(json));
    if (parsed.success) return { ok: true, config: parsed.data };
    return { ok: false, error: "The stored promote gates of this service cannot be read: save them again in the service settings." };
  } catch {
    return { ok: false, error: "The stored promote gates of this service cannot be read: save them again in the service settings." };
  }
}

/** The form's values for a stored config (what the settings page shows). */
export function formValuesOf(c: PromoteGatesConfig) {
  return {
    ciKind: c.ci?.kind ?? "none",
    ciCommand: c.ci?.kind === "command" ? c.ci.command : "",
    ciCwd: c.ci?.kind === "command" ? (c.ci.cwd ?? "") : "",
    ciUrl: c.ci?.kind === "url" ? c.ci.url : "",
    ciTimeoutSeconds: String((c.ci?.timeoutMs ?? DEFAULTS.ciTimeoutSeconds * 1000) / 1000),
    smokePaths: (c.smoke?.paths ?? []).join("\n"),
    smokeTimeoutSeconds: String((c.smoke?.timeoutMs ?? DEFAULTS.smokeTimeoutSeconds * 1000) / 1000),
    logPattern: c.logs?.pattern ?? "",
    logQuietSeconds: String((c.logs?.quietMs ?? DEFAULTS.quietSeconds * 1000) / 1000),
    attestRole: c.attestation?.role ?? "",
    attestChecklist: (c.attestation?.checklist ?? DEFAULT_CHECKLIST).join("\n"),
  };
}

/** Parses a form or throws INVALID with every field's message (nothing is written before this passes). */
export function parsePromoteGatesInput(raw: unknown): PromoteGatesInput {
  const parsed = promoteGatesInput.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { fieldErrors } = InvalidError.fromIssues(parsed.error.issues);
  throw new InvalidError([...new Set(parsed.error.issues.map((i) => i.message))].join(" "), fieldErrors);
}

export const roleLabel = (r: Role) => ROLE_LABELS[r];
