import { z } from "zod";
import { type EventKind, eventKindSchema } from "./events";

/** Every message can name what it is about and who did it. */
const COMMON = ["service", "environment", "version", "actor", "subject"] as const;

/** The variables each kind's template may use (L2: "unknown variables refused"). */
export const TEMPLATE_VARIABLES: Record<EventKind, readonly string[]> = {
  rollout_started: [...COMMON, "fromVersion", "strategy", "duration", "captain"],
  step_passed: [...COMMON, "phase", "weight", "p95", "errorRate"],
  rolled_back: [...COMMON, "reason", "restoreVersion", "metric", "value", "threshold", "decision", "p95", "errorRate"],
  completed: [...COMMON, "fromVersion", "duration", "smokeTests"],
  approval_requested: [...COMMON, "release", "requested"],
  gate_blocked: [...COMMON, "gatedAction", "reasons"],
  incident_opened: [...COMMON, "incident", "severity", "title"],
  sla_breached: [...COMMON, "incident", "severity", "title", "clock"],
  postmortem_overdue: [...COMMON, "incident", "severity", "title", "due"],
};

/**
 * Defaults: runbook 004's start / rollback / complete texts and runbook 002's phase and rollback
 * messages, filled with the live numbers ("Canary deployment Phase 1 (5%) successful. P95: 450ms,
 * Error rate: 0.1%"; "ROLLBACK INITIATED: P95 latency 812ms exceeded 600ms threshold").
 */
export const DEFAULT_TEMPLATES: Record<EventKind, string> = {
  rollout_started: "🚀 Deploying {{service}} v{{version}} to {{environment}}. Expected duration {{duration}}. Release Captain: {{captain}}.",
  step_passed: "✅ Canary deployment Phase {{phase}} ({{weight}}%) successful. P95: {{p95}}, Error rate: {{errorRate}} ({{service}} v{{version}} in {{environment}}).",
  rolled_back: "🚨 ROLLBACK INITIATED: {{reason}}. Initiating rollback of {{service}} v{{version}} in {{environment}}. ETA to restore: 15 minutes.",
  completed: "🎉 {{service}} v{{version}} deployed to {{environment}}. Key smoke tests passed: {{smokeTests}}.",
  approval_requested: "📝 Approval requested for release {{release}}: {{requested}}.",
  gate_blocked: "⛔ Security gate blocked {{gatedAction}} in {{environment}} ({{actor}}): {{reasons}}",
  incident_opened: "🔥 {{severity}} incident #{{incident}} opened: {{title}}.",
  sla_breached: "⏰ {{severity}} incident #{{incident}} breached its {{clock}} SLA: {{title}}.",
  postmortem_overdue: "📝 Postmortem overdue for incident #{{incident}} ({{title}}): due {{due}}.",
};

export const TEMPLATE_MAX_LENGTH = 2000;

type Piece = { text: string } | { variable: string };

/** Splits a template into text and `{{variable}}` pieces; an unclosed or empty placeholder is an error. */
export function parseTemplate(body: string): { ok: true; pieces: Piece[] } | { ok: false; error: string } {
  const pieces: Piece[] = [];
  let rest = body;
  while (rest.length) {
    const open = rest.indexOf("{{");
    const close = rest.indexOf("}}");
    if (close !== -1 && (open === -1 || close < open)) return { ok: false, error: `A "}}" has no "{{" before it (near "${rest.slice(Math.max(0, close - 20), close + 2)}").` };
    if (open === -1) {
      pieces.push({ text: rest });
      break;
    }
    const end = rest.indexOf("}}", open + 2);
    if (end === -1) return { ok: false, error: `A "{{" is not closed (near "${rest.slice(open, open + 24)}").` };
    if (open > 0) pieces.push({ text: rest.slice(0, open) });
    const name = rest.slice(open + 2, end).trim();
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) return { ok: false, error: `"{{${rest.slice(open + 2, end)}}}" is not a variable name: use letters and digits, e.g. {{service}}.` };
    pieces.push({ variable: name });
    rest = rest.slice(end + 2);
  }
  return { ok: true, pieces };
}

/** Why a template cannot be used for `kind`, or null. Unknown variables are named with the ones allowed. */
export function templateError(kind: EventKind, body: string): string | null {
  const parsed = parseTemplate(body);
  if (!parsed.ok) return parsed.error;
  const allowed = TEMPLATE_VARIABLES[kind];
  const unknown = [...new Set(parsed.pieces.flatMap((p) => ("variable" in p && !allowed.includes(p.variable) ? [p.variable] : [])))];
  if (unknown.length === 0) return null;
  const names = unknown.map((v) => `{{${v}}}`).join(", ");
  return `Unknown variable${unknown.length > 1 ? "s" : ""} ${names}: a "${kind}" message can use ${allowed.map((v) => `{{${v}}}`).join(", ")}.`;
}

/** The text of a message: each variable replaced by its value, "n/a" when the event did not have it. */
export function renderTemplate(body: string, variables: Readonly<Record<string, string | null | undefined>>): string {
  const parsed = parseTemplate(body);
  // Stored templates were validated; a broken one still says something rather than nothing.
  if (!parsed.ok) return body;
  return parsed.pieces.map((p) => ("text" in p ? p.text : (variables[p.variable] ?? "n/a"))).join("");
}

/** Input of the template editor: the kind and its new text (empty: back to the default). */
export const templateInput = z
  .object({
    eventKind: eventKindSchema,
    body: z.string().trim().max(TEMPLATE_MAX_LENGTH, `Use at most ${TEMPLATE_MAX_LENGTH} characters.`),
  })
  .superRefine((v, ctx) => {
    if (!v.body) return;
    const error = templateError(v.eventKind, v.body);
    if (error) ctx.addIssue({ code: "custom", path: ["body"], message: error });
  });
