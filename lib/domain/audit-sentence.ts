/**
 * The audit timeline read as sentences (issue 14, item 1): "Casey Captain started rollout #3
 * (sample-api 1.1.0 in staging)", "analysis aborted rollout #3: canary 5xx 40% > 5%". Pure: the
 * subject's label and link and the actor's name come from the caller (lib/views/audit-context.ts).
 */

export type Part = string | { text: string; href: string };

export interface AuditFacts {
  action: string;
  actorLabel: string;
  /** The person's display name when the actor is a user. */
  actorName?: string | null;
  subjectType: string | null;
  subjectId: string | null;
  environment: string | null;
  details: Record<string, unknown>;
}

export interface SubjectRef {
  label: string;
  href?: string;
}

type D = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : null);
const ev = (d: D) => (d.event && typeof d.event === "object" ? (d.event as D) : {});
const join = (...xs: (string | null | undefined | false)[]) => xs.filter(Boolean).join(", ");

/** Verb phrase before the subject, words right after it, and what follows (after a colon). */
type Phrase = { verb: string; after?: string; extra?: string | null };
const PHRASES: Record<string, (d: D) => Phrase> = {
  "auth.sign_in": () => ({ verb: "signed in" }),
  "auth.sign_in_failed": (d) => ({ verb: "failed to sign in", extra: str(d.reason) }),
  "auth.sign_in_throttled": () => ({ verb: "was throttled signing in" }),
  "auth.sign_out": () => ({ verb: "signed out" }),
  "authz.denied": (d) => ({ verb: "was denied", extra: join(str(d.permission) && `needs ${str(d.permission)}`, str(d.path) ?? str(d.action)) }),
  "user.create": () => ({ verb: "created the account of" }),
  "user.disable": () => ({ verb: "disabled" }),
  "user.enable": () => ({ verb: "enabled" }),
  "user.password_reset": () => ({ verb: "reset the password of" }),
  "role.grant": (d) => ({ verb: `granted ${str(d.role) ?? "a role"} to` }),
  "role.revoke": (d) => ({ verb: `revoked ${str(d.role) ?? "a role"} from` }),
  "service.create": () => ({ verb: "created" }),
  "service.update": () => ({ verb: "changed the settings of" }),
  "service.delete": () => ({ verb: "deleted" }),
  "environment.create": () => ({ verb: "created" }),
  "environment.update": () => ({ verb: "changed" }),
  "environment.delete": () => ({ verb: "deleted" }),
  "audit.export": (d) => ({ verb: "exported the audit timeline", extra: str(d.format) }),
  "system.seed": () => ({ verb: "seeded the demo data" }),
  "rollout.start": (d) => ({ verb: d.rollback === true ? "started the rollback redeploy" : "started" }),
  "rollout.pause": (d) => ({ verb: "paused", extra: str(ev(d).reason) }),
  "rollout.resume": () => ({ verb: "resumed" }),
  "rollout.promote": () => ({ verb: "promoted" }),
  "rollout.abort": (d) => ({ verb: d.automatic === true ? "rolled back (automatically)" : "aborted and rolled back", extra: str(ev(d).reason) }),
  "rollout.retry": () => ({ verb: "retried the failed step of" }),
  "rollout.step_succeeded": (d) => ({ verb: `moved to ${str(d.weight) ?? "?"}% on`, extra: null }),
  "rollout.step_failed": (d) => ({ verb: "saw a step fail on", extra: str(ev(d).error) }),
  "rollout.step_blocked": (d) => ({ verb: "had a step blocked on", extra: str(ev(d).reason) }),
  "rollout.hold_elapsed": () => ({ verb: "ended a hold of" }),
  // Runbook 000: a promotion from git tags the commit as deploy candidate (details.deployCandidateTag).
  "rollout.succeeded": (d) => ({ verb: "completed", extra: str(d.deployCandidateTag) && `tagged ${str(d.deployCandidateTag)} as deploy candidate` }),
  "rollout.rolled_back": () => ({ verb: "finished rolling back" }),
  "rollout.rollback_failed": (d) => ({ verb: "failed to roll back", extra: str(ev(d).error) }),
  "rollout.rollback_drained": () => ({ verb: "drained the canary of" }),
  "rollout.hook_passed": (d) => ({ verb: `passed the ${str(d.stage) ?? ""} hook ${str(d.hook) ?? str(d.name) ?? ""} of`.replace(/\s+/g, " ") }),
  "rollout.hook_failed": (d) => ({ verb: `failed the ${str(d.stage) ?? ""} hook ${str(d.hook) ?? str(d.name) ?? ""} of`.replace(/\s+/g, " "), extra: str(d.reason) ?? str(d.status) }),
  "rollout.verified": () => ({ verb: "verified the restored version after" }),
  "rollout.verification_failed": (d) => ({ verb: "could not verify the restored version after", extra: str(d.reason) }),
  "rollout.gates_evaluated": (d) => ({ verb: `found the promote gates ${str(d.outcome) ?? "evaluated"} for`, extra: str(d.reason) }),
  "rollout.core_path_attested": (d) => ({ verb: "attested the core path of", extra: Array.isArray(d.items) ? d.items.map(String).join(", ") : null }),
  "driver.reconcile": (d) => ({ verb: "reconciled the deploy driver of", extra: str(d.change) ?? str(d.reason) }),
  "gate.blocked": (d) => ({ verb: "was blocked by the security gate on", extra: Array.isArray(d.reasons) ? d.reasons.join("; ") : str(d.reason) }),
  "gate.would_block": (d) => ({ verb: "would have been blocked (monitor mode) on", extra: Array.isArray(d.reasons) ? d.reasons.join("; ") : str(d.reason) }),
  "gate.override_used": () => ({ verb: "used a security override on" }),
  "gate.mode_set": (d) => ({ verb: `set the security gate to ${str(d.mode) ?? "?"}${str(d.threatLevel) && d.threatLevel !== "none" ? ` (threat ${str(d.threatLevel)})` : ""}`, extra: str(d.reason) }),
  "gate.change_refused": (d) => ({ verb: "was refused a security gate change", extra: str(d.reason) }),
  "override.create": (d) => ({ verb: `created an override for ${str(d.action) ?? "an action"}${str(d.ttlMinutes) ? ` (${str(d.ttlMinutes)} min)` : ""}`, extra: str(d.reason) }),
  "override.revoke": () => ({ verb: "revoked" }),
  "override.refused": (d) => ({ verb: "was refused an override", extra: str(d.reason) }),
  "window.create": (d) => ({ verb: `created the ${str(d.kind) ?? ""} window`.replace(/\s+/g, " ") }),
  "window.delete": () => ({ verb: "deleted the window" }),
  "window.refused": (d) => ({ verb: "was refused a window change", extra: str(d.reason) }),
  "release.create": () => ({ verb: "created" }),
  "release.update": () => ({ verb: "edited" }),
  "release.advance": (d) => ({ verb: "moved", after: `${str(d.from) ? ` from ${phase(d.from)}` : ""} to ${phase(d.to)}`, extra: str(d.reason) }),
  "release.abort": (d) => ({ verb: "aborted", extra: str(d.reason) }),
  "release.refused": (d) => ({ verb: "was refused a step of", extra: Array.isArray(d.reasons) ? d.reasons.join("; ") : str(d.reason) }),
  "preflight.check": (d) => ({ verb: `checked ${str(d.item) ?? str(d.label) ?? "a pre-flight item"} of`, extra: str(d.status) }),
  "preflight.attest": (d) => ({ verb: `signed ${str(d.label) ?? str(d.item) ?? "a pre-flight item"} of` }),
  "approval.request": (d) => ({ verb: "requested approval for", extra: Array.isArray(d.requested) ? d.requested.join(", ") : null }),
  "approval.grant": (d) => ({ verb: `approved (as ${str(d.role) ?? "?"}, ${str(d.kind) ?? "?"})`, extra: str(d.comment) }),
  "approval.reject": (d) => ({ verb: `rejected (as ${str(d.role) ?? "?"}, ${str(d.kind) ?? "?"})`, extra: str(d.comment) }),
  "approval.void": (d) => ({ verb: "voided the approvals of", extra: str(d.reason) }),
  "approval.refused": (d) => ({ verb: "was refused a decision on", extra: str(d.reason) }),
  "migration.run": (d) => ({ verb: `ran the ${str(d.kind) ?? ""} migrations of`.replace(/\s+/g, " "), extra: str(d.status) }),
  "validation.start": () => ({ verb: "started a validation of" }),
  "validation.finish": (d) => ({ verb: "finished a validation of", extra: str(d.status) }),
  "probe.create": (d) => ({ verb: `added the health probe ${str(d.name) ?? ""}`.trim() }),
  "probe.delete": (d) => ({ verb: `deleted the health probe ${str(d.name) ?? ""}`.trim() }),
  "health.changed": (d) => ({ verb: `saw health become ${str(d.to) ?? str(d.status) ?? "?"}`, extra: str(d.detail) }),
  "analysis.decision": (d) => ({ verb: `decided ${str(d.verdict) ?? str(d.action) ?? ""} on`.replace(/\s+/g, " "), extra: str(d.reason) ?? str(d.sentence) }),
  "analysis.config_update": () => ({ verb: "changed the canary analysis of" }),
  "action.refused": (d) => ({ verb: `was refused ${str(d.action) ?? "an action"}`, extra: str(d.reason) ?? str(d.code) }),
  "audit.refusals_suppressed": (d) => ({ verb: `suppressed ${str(d.suppressed) ?? "repeated"} similar refusals` }),
  "request.origin_refused": (d) => ({ verb: "had a request from another origin refused", extra: str(d.origin) }),
  "token.create": (d) => ({ verb: `created the API token ${str(d.name) ?? ""}`.trim(), extra: Array.isArray(d.scopes) ? `scopes ${d.scopes.join(", ")}` : null }),
  "token.revoke": () => ({ verb: "revoked an API token" }),
  "rollback.create": () => ({ verb: "prepared" }),
  "rollback.execute": () => ({ verb: "executed" }),
  "incident.open": () => ({ verb: "opened" }),
  "incident.acknowledge": () => ({ verb: "acknowledged" }),
  "incident.mitigate": () => ({ verb: "mitigated" }),
  "incident.resolve": () => ({ verb: "resolved" }),
  "incident.severity_change": (d) => ({ verb: `changed the severity to ${str(d.to) ?? str(d.severity) ?? "?"} of`, extra: str(d.reason) }),
  "incident.commander_set": () => ({ verb: "set the commander of" }),
  "incident.note": () => ({ verb: "added a timeline entry to" }),
  "incident.sla_breached": (d) => ({ verb: `recorded the ${str(d.clock) ?? ""} SLA breached on`.replace(/\s+/g, " ") }),
  "incident.postmortem_overdue": () => ({ verb: "announced the postmortem overdue of" }),
  "postmortem.save": () => ({ verb: "saved the postmortem of" }),
  "postmortem.publish": () => ({ verb: "published the postmortem of" }),
  "postmortem.action_item_add": () => ({ verb: "added a postmortem action item to" }),
  "postmortem.action_item_done": () => ({ verb: "completed a postmortem action item of" }),
  "flag.create": () => ({ verb: "created" }),
  "flag.update": () => ({ verb: "changed" }),
  "flag.rollout_set": () => ({ verb: "set the rollout of" }),
  "flag.disabled": () => ({ verb: "disabled" }),
  "flag.external_update": () => ({ verb: "changed the external flag service of" }),
  "flag.external_synced": () => ({ verb: "sent to the external flag service" }),
  "flag.external_sync_failed": (d) => ({ verb: "could not send to the external flag service", extra: str(d.error) }),
  "notification.channel_create": (d) => ({ verb: `added the chat channel ${str(d.name) ?? ""}`.trim() }),
  "notification.channel_update": (d) => ({ verb: `changed the chat channel ${str(d.name) ?? ""}`.trim() }),
  "notification.channel_delete": (d) => ({ verb: `deleted the chat channel ${str(d.name) ?? ""}`.trim() }),
  "notification.subscribe": (d) => ({ verb: `subscribed a channel to ${str(d.event) ?? str(d.kind) ?? "an event"}` }),
  "notification.unsubscribe": () => ({ verb: "removed a channel subscription" }),
  "notification.template_update": (d) => ({ verb: `changed the ${str(d.kind) ?? ""} message template`.replace(/\s+/g, " ") }),
  "notification.test": () => ({ verb: "sent a test message" }),
  "notification.delivered": () => ({ verb: "delivered a chat message" }),
  "notification.failed": (d) => ({ verb: "failed to deliver a chat message", extra: str(d.error) ?? str(d.status) }),
  "hook.create": (d) => ({ verb: `added the step hook ${str(d.name) ?? ""}`.trim() }),
  "hook.update": (d) => ({ verb: `changed the step hook ${str(d.name) ?? ""}`.trim() }),
  "hook.delete": (d) => ({ verb: `deleted the step hook ${str(d.name) ?? ""}`.trim() }),
  "promote_gates.update": () => ({ verb: "changed the promote gates of" }),
};

const PHASES: Record<string, string> = {
  preflight: "pre-flight",
  staging_deploy: "staging deploy",
  staging_soak: "staging soak",
  production_approval: "production approval",
  production_rollout: "production rollout",
  monitoring: "monitoring",
  completed: "completed",
  aborted: "aborted",
  rolled_back: "rolled back",
};
function phase(v: unknown): string {
  const s = str(v) ?? "?";
  return PHASES[s] ?? s.replace(/_/g, " ");
}

/** "incident.sla_breached" -> "recorded incident sla breached on", for an action without its own phrase. */
const fallback = (action: string): Phrase => ({ verb: `recorded ${action.replace(/[._]/g, " ")} on` });

export const hasPhrase = (action: string): boolean => Object.hasOwn(PHRASES, action);

/** The sentence of one audit event, its subject linked when the caller knows where it lives. */
export function auditSentence(e: AuditFacts, subject: SubjectRef | null): Part[] {
  const p = Object.hasOwn(PHRASES, e.action) ? PHRASES[e.action]!(e.details) : fallback(e.action);
  const who = e.actorName && e.actorName !== e.actorLabel ? e.actorName : e.actorLabel;
  const parts: Part[] = [`${who} `];
  const verb = subject ? p.verb : p.verb.replace(/\s+(on|of|to|from|for|after)$/, "");
  if (subject) {
    parts.push(`${verb} `, subject.href ? { text: subject.label, href: subject.href } : subject.label);
  } else {
    parts.push(verb);
  }
  if (p.after) parts.push(p.after);
  if (e.environment && !(subject?.label.includes(` in ${e.environment}`) ?? false)) parts.push(` in ${e.environment}`);
  if (p.extra) parts.push(`: ${p.extra}`);
  return parts;
}

/** The plain text of a sentence (tests, titles). */
export const sentenceText = (parts: readonly Part[]): string => parts.map((x) => (typeof x === "string" ? x : x.text)).join("");

export interface Field {
  label: string;
  value: string;
  /** Set for a change: the value before (and `value` is the one after). */
  before?: string;
}

const SKIP = new Set(["event", "apiTokenId", "before", "after"]);
const labelOf = (k: string) =>
  k
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());
function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return v.map(show).join(", ");
  return JSON.stringify(v);
}

/**
 * The details as labelled values: a `before` / `after` pair becomes one row per changed field
 * with both values; `from` / `to` one row; the machine event is left to the raw view.
 */
export function detailFields(details: Record<string, unknown>): Field[] {
  const out: Field[] = [];
  const before = details.before && typeof details.before === "object" ? (details.before as D) : null;
  const after = details.after && typeof details.after === "object" ? (details.after as D) : null;
  if (before || after) {
    const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
    for (const k of keys) {
      const b = show(before?.[k]);
      const a = show(after?.[k]);
      if (b !== a) out.push({ label: labelOf(k), before: b, value: a });
    }
  }
  const hasFromTo = "from" in details && "to" in details && typeof details.from !== "object" && typeof details.to !== "object";
  if (hasFromTo) out.push({ label: "Change", before: show(details.from), value: show(details.to) });
  for (const [k, v] of Object.entries(details)) {
    if (SKIP.has(k) || (hasFromTo && (k === "from" || k === "to")) || v === null || v === undefined || v === "") continue;
    out.push({ label: labelOf(k), value: show(v) });
  }
  return out;
}
