import { z } from "zod";
import { formatDuration } from "../format";
import type { IncidentKind, IncidentSeverity, IncidentStatus } from "./rules";
import { TIMELINE_LABELS, type TimelineKind } from "./timeline";

// Postmortems (L3): the Google SRE template's sections, prefilled from the incident and the
// rollback decision, the overdue rule, and the Markdown export. Pure: no database, no clock.

/** The template's free-text sections in the order the template (and the export) gives them. */
export const POSTMORTEM_FIELDS = ["summary", "impact", "rootCauses", "trigger", "resolution", "detection", "wentWell", "wentWrong", "gotLucky"] as const;
export type PostmortemField = (typeof POSTMORTEM_FIELDS)[number];
export type PostmortemText = Record<PostmortemField, string>;

export const POSTMORTEM_LABELS: Record<PostmortemField, string> = {
  summary: "Summary",
  impact: "Impact",
  rootCauses: "Root causes",
  trigger: "Trigger",
  resolution: "Resolution",
  detection: "Detection",
  wentWell: "What went well",
  wentWrong: "What went wrong",
  gotLucky: "Where we got lucky",
};

export const POSTMORTEM_HINTS: Record<PostmortemField, string> = {
  summary: "What happened, in two or three sentences.",
  impact: "Who and what was affected, for how long (customers, requests, revenue).",
  rootCauses: "Why it happened: the conditions that made the trigger possible.",
  trigger: "What set it off (a deploy, a config change, traffic).",
  resolution: "What restored service.",
  detection: "How we found out (alert, analysis decision, customer report) and how fast.",
  wentWell: "Lessons learned: what went well.",
  wentWrong: "Lessons learned: what went wrong.",
  gotLucky: "Lessons learned: where we got lucky.",
};

/** Sections a postmortem cannot be published without. */
export const REQUIRED_TO_PUBLISH: readonly PostmortemField[] = ["summary", "impact", "rootCauses", "resolution"];

export const POSTMORTEM_TEXT_MAX = 10_000;

/** Action item kinds (SRE template: detect, mitigate, prevent, process). */
export const ACTION_ITEM_KINDS = ["detect", "mitigate", "prevent", "process"] as const;
export type ActionItemKind = (typeof ACTION_ITEM_KINDS)[number];
export const ACTION_ITEM_KIND_LABELS: Record<ActionItemKind, string> = { detect: "Detect", mitigate: "Mitigate", prevent: "Prevent", process: "Process" };

// ---- inputs --------------------------------------------------------------------------------

const id = z.coerce.number().int().positive();
const section = (label: string) => z.string().trim().max(POSTMORTEM_TEXT_MAX, `${label}: use at most ${POSTMORTEM_TEXT_MAX} characters.`).default("");

/** Save (or publish) the postmortem: every section, the version the person loaded (absent for a first save). */
export const postmortemInput = z.object({
  incidentId: id,
  expectedVersion: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.coerce.number().int().positive().optional()),
  ...(Object.fromEntries(POSTMORTEM_FIELDS.map((f) => [f, section(POSTMORTEM_LABELS[f])])) as Record<PostmortemField, ReturnType<typeof section>>),
});
export type PostmortemInput = z.output<typeof postmortemInput>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}
/** Today's date in UTC (due dates are UTC calendar days). */
export const utcDate = (now: number): string => new Date(now).toISOString().slice(0, 10);

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const actionItemInput = z.object({
  incidentId: id,
  text: z.string().trim().min(3, "Say what needs doing (at least 3 characters).").max(1000, "Keep the action item under 1000 characters."),
  kind: z.enum(ACTION_ITEM_KINDS, { error: "Choose a kind: detect, mitigate, prevent or process." }).default("prevent"),
  ownerId: z.preprocess(blankToUndefined, z.coerce.number({ error: "Every action item needs an owner: choose one." }).int().positive("Every action item needs an owner: choose one.")),
  dueOn: z.preprocess(
    blankToUndefined,
    z
      .string({ error: "Give the action item a due date." })
      .trim()
      .max(10, "Write the due date as YYYY-MM-DD (a real date).")
      .refine(isCalendarDate, "Write the due date as YYYY-MM-DD (a real date)."),
  ),
});
export type ActionItemInput = z.output<typeof actionItemInput>;

export const actionItemDoneInput = z.object({ incidentId: id, itemId: id });

/** Why a due date cannot be used on `today` (UTC), or null. */
export function dueDateError(dueOn: string, now: number): string | null {
  if (!isCalendarDate(dueOn)) return "Write the due date as YYYY-MM-DD (a real date).";
  return dueOn < utcDate(now) ? `The due date ${dueOn} is in the past: choose ${utcDate(now)} or later.` : null;
}

/** Field errors of sections missing for publishing, in the field's own words. */
export function publishErrors(text: PostmortemText): Record<string, string[]> | null {
  const missing = REQUIRED_TO_PUBLISH.filter((f) => !text[f].trim());
  if (!missing.length) return null;
  return Object.fromEntries(missing.map((f) => [f, [`Write the ${POSTMORTEM_LABELS[f].toLowerCase()} before publishing.`]]));
}

// ---- rules ---------------------------------------------------------------------------------

export type PostmortemStatus = "draft" | "published";

/** Overdue: the due time passed and the postmortem is not published (a missing one counts as not published). */
export function isPostmortemOverdue(dueAt: number | null, status: PostmortemStatus | null, now: number): boolean {
  return dueAt !== null && now > dueAt && status !== "published";
}

/** An open action item past its due day (UTC). */
export const isActionItemOverdue = (item: { dueOn: string; doneAt: number | null }, now: number): boolean => item.doneAt === null && item.dueOn < utcDate(now);

// ---- prefill -------------------------------------------------------------------------------

/** What the prefill reads of the incident. */
export interface IncidentForPostmortem {
  id: number;
  title: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  status: IncidentStatus;
  summary: string;
  service: string | null;
  environment: string | null;
  rolloutId: number | null;
  openedAt: number;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  ackBreachedAt: number | null;
  mitigateBreachedAt: number | null;
  postmortemDueAt: number | null;
}

export interface TimelineFact {
  at: number;
  kind: string;
  text: string;
  authorLabel: string;
}

/** The analysis decision that rolled the rollout back (analysis_decisions), when there is one. */
export interface DecisionFact {
  at: number;
  sentence: string;
  metric: string | null;
  canaryValue: number | null;
  baselineValue: number | null;
  threshold: number | null;
  windowSeconds: number;
}

export const utc = (ms: number): string => `${new Date(ms).toISOString().replace("T", " ").slice(0, 16)} UTC`;

/** Times and durations of the incident: what the summary, impact and export state. */
export function incidentDurations(i: IncidentForPostmortem) {
  const since = (t: number | null) => (t === null ? null : formatDuration(t - i.openedAt));
  return { toAcknowledge: since(i.acknowledgedAt), toMitigate: since(i.mitigatedAt), toResolve: since(i.resolvedAt) };
}

/** "error_rate: canary 0.12, baseline 0.01, threshold 0.05 over 60 s". */
export function decisionNumbers(d: DecisionFact): string {
  const parts = [
    d.canaryValue !== null ? `canary ${d.canaryValue}` : null,
    d.baselineValue !== null ? `baseline ${d.baselineValue}` : null,
    d.threshold !== null ? `threshold ${d.threshold}` : null,
  ].filter(Boolean);
  return `${d.metric ?? "metric"}: ${parts.join(", ")} over ${d.windowSeconds} s`;
}

const entriesOf = (timeline: readonly TimelineFact[], ...kinds: string[]) => timeline.filter((e) => kinds.includes(e.kind));

/**
 * A draft of every section from what Flightdeck recorded (L3): the incident's times and
 * durations, the timeline (deploy, breach with the decision's numbers, rollback, restore) and
 * the rollback decision. Root causes and lessons are left for people: nothing here knows them.
 */
export function prefillPostmortem(i: IncidentForPostmortem, timeline: readonly TimelineFact[], decision: DecisionFact | null): PostmortemText {
  const d = incidentDurations(i);
  const where = [i.service, i.environment].filter(Boolean).join(" in ");
  const window = i.mitigatedAt ? `from ${utc(i.openedAt)} until mitigation at ${utc(i.mitigatedAt)} (${d.toMitigate})` : `since ${utc(i.openedAt)} (not mitigated yet)`;
  const breaches = [i.ackBreachedAt ? "the acknowledge SLA was breached" : null, i.mitigateBreachedAt ? "the mitigate SLA was breached" : null].filter(Boolean);
  const summary = [
    `${i.severity} ${i.kind} incident "${i.title}"${where ? ` (${where})` : ""}, opened ${utc(i.openedAt)}.`,
    d.toAcknowledge ? ` Acknowledged after ${d.toAcknowledge}` : " Not acknowledged yet",
    d.toMitigate ? `, mitigated after ${d.toMitigate}` : "",
    d.toResolve ? `, resolved after ${d.toResolve}.` : ".",
    i.summary ? `\n\n${i.summary}` : "",
  ].join("");
  const impact = `${where || "The affected service"} was impaired ${window}.${breaches.length ? ` SLA: ${breaches.join(" and ")}.` : ""}`;
  const lines = (kinds: string[]) =>
    entriesOf(timeline, ...kinds)
      .map((e) => `${utc(e.at)}: ${e.text}`)
      .join("\n");
  const trigger = lines(["deployed"]) || (i.rolloutId ? `Rollout #${i.rolloutId}.` : "");
  const detected = [decision ? `${utc(decision.at)}: automatic analysis decided to roll back: ${decision.sentence} (${decisionNumbers(decision)}).` : null, lines(["breach_detected"])]
    .filter(Boolean)
    .join("\n");
  const opener = entriesOf(timeline, "opened")[0];
  const detection = detected || (opener ? `${utc(opener.at)}: ${opener.text}` : `Incident opened ${utc(i.openedAt)}.`);
  const resolution = lines(["rollback_initiated", "service_restored", "mitigated", "resolved"]);
  return { summary, impact, rootCauses: "", trigger, resolution, detection, wentWell: "", wentWrong: "", gotLucky: "" };
}

// ---- Markdown export -----------------------------------------------------------------------

export interface ActionItemFact {
  text: string;
  kind: ActionItemKind;
  owner: string;
  dueOn: string;
  doneAt: number | null;
}

export interface PostmortemDocument {
  incident: IncidentForPostmortem;
  text: PostmortemText;
  status: PostmortemStatus;
  publishedAt: number | null;
  author: string | null;
  timeline: readonly TimelineFact[];
  actionItems: readonly ActionItemFact[];
}

/** A table cell: one line, pipes escaped. */
const cell = (s: string): string => s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").trim() || " ";
const block = (s: string): string => s.trim() || "_Not written._";

export function actionItemStatus(item: Pick<ActionItemFact, "dueOn" | "doneAt">, now: number): string {
  if (item.doneAt !== null) return `done ${utc(item.doneAt).slice(0, 10)}`;
  return isActionItemOverdue(item, now) ? "overdue" : "open";
}

/** The postmortem as Markdown (SRE template headings, timeline and action items as tables, times in UTC). */
export function postmortemMarkdown(doc: PostmortemDocument, now: number): string {
  const i = doc.incident;
  const d = incidentDurations(i);
  const where = [i.service, i.environment].filter(Boolean).join(" in ") || "n/a";
  const out: string[] = [
    `# Postmortem: incident #${i.id} ${i.title}`,
    "",
    `- Status: ${doc.status}${doc.publishedAt ? ` (published ${utc(doc.publishedAt)})` : ""}`,
    `- Severity: ${i.severity} (${i.kind})`,
    `- Where: ${where}`,
    `- Author: ${doc.author ?? "n/a"}`,
    `- Opened: ${utc(i.openedAt)}`,
    `- Acknowledged: ${i.acknowledgedAt ? `${utc(i.acknowledgedAt)} (after ${d.toAcknowledge})` : "n/a"}`,
    `- Mitigated: ${i.mitigatedAt ? `${utc(i.mitigatedAt)} (after ${d.toMitigate})` : "n/a"}`,
    `- Resolved: ${i.resolvedAt ? `${utc(i.resolvedAt)} (after ${d.toResolve})` : "n/a"}`,
    `- Postmortem due: ${i.postmortemDueAt ? utc(i.postmortemDueAt) : "n/a"}`,
    "",
  ];
  const section = (f: PostmortemField, level = "##") => out.push(`${level} ${POSTMORTEM_LABELS[f]}`, "", block(doc.text[f]), "");
  for (const f of ["summary", "impact", "rootCauses", "trigger", "resolution", "detection"] as const) section(f);
  out.push("## Action items", "");
  if (doc.actionItems.length === 0) out.push("_None._", "");
  else {
    out.push("| Action item | Type | Owner | Due | Status |", "| --- | --- | --- | --- | --- |");
    for (const a of doc.actionItems) out.push(`| ${cell(a.text)} | ${ACTION_ITEM_KIND_LABELS[a.kind]} | ${cell(a.owner)} | ${a.dueOn} | ${actionItemStatus(a, now)} |`);
    out.push("");
  }
  out.push("## Lessons learned", "");
  for (const f of ["wentWell", "wentWrong", "gotLucky"] as const) section(f, "###");
  out.push("## Timeline", "");
  if (doc.timeline.length === 0) out.push("_No entries._", "");
  else {
    out.push("| Time (UTC) | Event | What happened | By |", "| --- | --- | --- | --- |");
    for (const e of doc.timeline) out.push(`| ${utc(e.at)} | ${TIMELINE_LABELS[e.kind as TimelineKind] ?? cell(e.kind)} | ${cell(e.text)} | ${cell(e.authorLabel)} |`);
    out.push("");
  }
  return out.join("\n");
}

/** The export's file name: postmortem-incident-12.md. */
export const postmortemFileName = (incidentId: number): string => `postmortem-incident-${incidentId}.md`;
