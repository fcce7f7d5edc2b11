import { describe, expect, it } from "vitest";
import {
  type DecisionFact,
  type IncidentForPostmortem,
  POSTMORTEM_FIELDS,
  type PostmortemDocument,
  type TimelineFact,
  actionItemInput,
  dueDateError,
  isActionItemOverdue,
  isCalendarDate,
  isPostmortemOverdue,
  postmortemInput,
  postmortemMarkdown,
  prefillPostmortem,
  publishErrors,
} from "@/lib/domain/incidents/postmortem";

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const incident = (over: Partial<IncidentForPostmortem> = {}): IncidentForPostmortem => ({
  id: 7,
  title: "Rollback of sample-api 2.0.0 in production",
  kind: "rollback",
  severity: "P1",
  status: "resolved",
  summary: "",
  service: "sample-api",
  environment: "production",
  rolloutId: 3,
  openedAt: T0,
  acknowledgedAt: T0 + 3 * MIN,
  mitigatedAt: T0 + 10 * MIN,
  resolvedAt: T0 + 2 * HOUR,
  ackBreachedAt: null,
  mitigateBreachedAt: null,
  postmortemDueAt: T0 + 48 * HOUR,
  ...over,
});

const timeline: TimelineFact[] = [
  { at: T0 - 5 * MIN, kind: "deployed", text: "sample-api 2.0.0 started in production (replacing 1.9.0).", authorLabel: "captain@x" },
  { at: T0 - 2 * MIN, kind: "breach_detected", text: "Error rate 12% above 5% for 1 min (canary 0.12, baseline 0.01, threshold 0.05).", authorLabel: "analysis" },
  { at: T0 - 2 * MIN, kind: "rollback_initiated", text: "Automatic rollback initiated: Error rate 12% above 5% for 1 min.", authorLabel: "analysis" },
  { at: T0, kind: "service_restored", text: "Rollback completed: 1.9.0 serves all traffic in production.", authorLabel: "worker" },
  { at: T0, kind: "opened", text: "P1 incident opened by the automatic rollback of rollout #3.", authorLabel: "worker" },
  { at: T0 + 3 * MIN, kind: "acknowledged", text: "Acknowledged by Omar.", authorLabel: "oncall@x" },
];

const decision: DecisionFact = { at: T0 - 2 * MIN, sentence: "Error rate 12% above 5% for 1 min", metric: "error_rate", canaryValue: 0.12, baselineValue: 0.01, threshold: 0.05, windowSeconds: 60 };

describe("prefill from the incident, its timeline and the rollback decision (L3)", () => {
  it("a rollback incident: times and durations, trigger = deploy, detection = the decision's numbers, resolution = rollback and restore", () => {
    const text = prefillPostmortem(incident(), timeline, decision);
    expect(text.summary).toBe(
      'P1 rollback incident "Rollback of sample-api 2.0.0 in production" (sample-api in production), opened 2026-06-10 12:00 UTC. Acknowledged after 3 min, mitigated after 10 min, resolved after 2 h 0 min.',
    );
    expect(text.impact).toBe("sample-api in production was impaired from 2026-06-10 12:00 UTC until mitigation at 2026-06-10 12:10 UTC (10 min).");
    expect(text.trigger).toBe("2026-06-10 11:55 UTC: sample-api 2.0.0 started in production (replacing 1.9.0).");
    expect(text.detection.split("\n")).toEqual([
      "2026-06-10 11:58 UTC: automatic analysis decided to roll back: Error rate 12% above 5% for 1 min (error_rate: canary 0.12, baseline 0.01, threshold 0.05 over 60 s).",
      "2026-06-10 11:58 UTC: Error rate 12% above 5% for 1 min (canary 0.12, baseline 0.01, threshold 0.05).",
    ]);
    expect(text.resolution.split("\n")).toEqual([
      "2026-06-10 11:58 UTC: Automatic rollback initiated: Error rate 12% above 5% for 1 min.",
      "2026-06-10 12:00 UTC: Rollback completed: 1.9.0 serves all traffic in production.",
    ]);
    // What nobody recorded is left for people.
    expect([text.rootCauses, text.wentWell, text.wentWrong, text.gotLucky]).toEqual(["", "", "", ""]);
  });

  it("a manual incident, unacknowledged, with breaches: says so, detection is the opening, the summary is kept", () => {
    const text = prefillPostmortem(
      incident({ kind: "outage", severity: "P2", rolloutId: null, service: null, environment: null, summary: "Checkout down.", acknowledgedAt: null, mitigatedAt: null, resolvedAt: null, ackBreachedAt: T0 + 16 * MIN }),
      [{ at: T0, kind: "opened", text: "P2 outage incident opened by Omar.", authorLabel: "oncall@x" }],
      null,
    );
    expect(text.summary).toBe('P2 outage incident "Rollback of sample-api 2.0.0 in production", opened 2026-06-10 12:00 UTC. Not acknowledged yet.\n\nCheckout down.');
    expect(text.impact).toBe("The affected service was impaired since 2026-06-10 12:00 UTC (not mitigated yet). SLA: the acknowledge SLA was breached.");
    expect(text.detection).toBe("2026-06-10 12:00 UTC: P2 outage incident opened by Omar.");
    expect(text.trigger).toBe("");
    expect(text.resolution).toBe("");
  });
});

describe("overdue rules", () => {
  it.each([
    { dueAt: T0, status: null, now: T0 + 1, overdue: true, why: "past due, not started" },
    { dueAt: T0, status: "draft" as const, now: T0 + 1, overdue: true, why: "past due, draft" },
    { dueAt: T0, status: "published" as const, now: T0 + 1, overdue: false, why: "published" },
    { dueAt: T0, status: "draft" as const, now: T0, overdue: false, why: "exactly at the due time" },
    { dueAt: null, status: null, now: T0, overdue: false, why: "no due time" },
  ])("postmortem: $why -> $overdue", ({ dueAt, status, now, overdue }) => {
    expect(isPostmortemOverdue(dueAt, status, now)).toBe(overdue);
  });

  it("an action item is overdue the UTC day after its due date, unless done", () => {
    const lastMinute = Date.UTC(2026, 5, 10, 23, 59);
    expect(isActionItemOverdue({ dueOn: "2026-06-10", doneAt: null }, lastMinute)).toBe(false);
    expect(isActionItemOverdue({ dueOn: "2026-06-10", doneAt: null }, lastMinute + 2 * MIN)).toBe(true);
    expect(isActionItemOverdue({ dueOn: "2026-06-10", doneAt: T0 }, lastMinute + 2 * MIN)).toBe(false);
  });
});

describe("inputs in plain words", () => {
  const base = { incidentId: "7", text: "Alert on pool saturation", kind: "detect", dueOn: "2026-06-20" };
  const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => r.error?.issues.map((i) => [i.path.join("."), i.message]);

  it("an action item without an owner (absent or blank) is refused with the owner message", () => {
    expect(messages(actionItemInput.safeParse(base))).toEqual([["ownerId", "Every action item needs an owner: choose one."]]);
    expect(messages(actionItemInput.safeParse({ ...base, ownerId: "" }))).toEqual([["ownerId", "Every action item needs an owner: choose one."]]);
    expect(actionItemInput.parse({ ...base, ownerId: "4" })).toMatchObject({ ownerId: 4, dueOn: "2026-06-20", kind: "detect" });
  });

  it("a due date is required and a real date", () => {
    expect(messages(actionItemInput.safeParse({ ...base, ownerId: "4", dueOn: "" }))).toEqual([["dueOn", "Give the action item a due date."]]);
    expect(messages(actionItemInput.safeParse({ ...base, ownerId: "4", dueOn: "2026-02-30" }))).toEqual([["dueOn", "Write the due date as YYYY-MM-DD (a real date)."]]);
    expect(isCalendarDate("2028-02-29")).toBe(true);
    expect(isCalendarDate("2026-13-01")).toBe(false);
  });

  it("a due date before the day of creation (UTC) is refused; today is fine", () => {
    expect(dueDateError("2026-06-10", T0)).toBeNull();
    expect(dueDateError("2026-06-09", T0)).toBe("The due date 2026-06-09 is in the past: choose 2026-06-10 or later.");
  });

  it("publishing needs summary, impact, root causes and resolution, each named", () => {
    const text = Object.fromEntries(POSTMORTEM_FIELDS.map((f) => [f, ""])) as Record<(typeof POSTMORTEM_FIELDS)[number], string>;
    expect(publishErrors({ ...text, summary: "x", impact: "y" })).toEqual({
      rootCauses: ["Write the root causes before publishing."],
      resolution: ["Write the resolution before publishing."],
    });
    expect(publishErrors({ ...text, summary: "x", impact: "y", rootCauses: "z", resolution: "w" })).toBeNull();
  });

  it("the postmortem input trims, defaults missing sections to empty and caps their length", () => {
    const parsed = postmortemInput.parse({ incidentId: "7", expectedVersion: "", summary: "  s  " });
    expect(parsed).toMatchObject({ incidentId: 7, expectedVersion: undefined, summary: "s", rootCauses: "" });
    expect(messages(postmortemInput.safeParse({ incidentId: "7", impact: "x".repeat(10_001) }))).toEqual([["impact", "Impact: use at most 10000 characters."]]);
  });
});

describe("Markdown export", () => {
  const doc = (over: Partial<PostmortemDocument> = {}): PostmortemDocument => ({
    incident: incident(),
    text: { ...prefillPostmortem(incident(), timeline, decision), rootCauses: "Pool | sized for 4 instances\nnot 8.", wentWell: "Fast rollback." },
    status: "published",
    publishedAt: T0 + 20 * HOUR,
    author: "Omar On-call",
    timeline,
    actionItems: [
      { text: "Alert on pool saturation", kind: "detect", owner: "Omar On-call", dueOn: "2026-06-12", doneAt: null },
      { text: "Size pools from instance count", kind: "prevent", owner: "Casey Captain", dueOn: "2026-06-30", doneAt: T0 + 30 * HOUR },
      { text: "Load test before promotion", kind: "process", owner: "Lee | Lead", dueOn: "2026-07-30", doneAt: null },
    ],
    ...over,
  });

  it("has the SRE template's sections in order, the facts, action items and the timeline as tables in UTC", () => {
    const md = postmortemMarkdown(doc(), Date.UTC(2026, 5, 13, 9, 0));
    const headings = md.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# Postmortem: incident #7 Rollback of sample-api 2.0.0 in production",
      "## Summary",
      "## Impact",
      "## Root causes",
      "## Trigger",
      "## Resolution",
      "## Detection",
      "## Action items",
      "## Lessons learned",
      "### What went well",
      "### What went wrong",
      "### Where we got lucky",
      "## Timeline",
    ]);
    expect(md).toContain("- Status: published (published 2026-06-11 08:00 UTC)");
    expect(md).toContain("- Mitigated: 2026-06-10 12:10 UTC (after 10 min)");
    expect(md).toContain("## Root causes\n\nPool | sized for 4 instances\nnot 8.\n");
    expect(md).toContain("### What went wrong\n\n_Not written._\n");
    expect(md).toContain(
      [
        "| Action item | Type | Owner | Due | Status |",
        "| --- | --- | --- | --- | --- |",
        "| Alert on pool saturation | Detect | Omar On-call | 2026-06-12 | overdue |",
        "| Size pools from instance count | Prevent | Casey Captain | 2026-06-30 | done 2026-06-11 |",
        "| Load test before promotion | Process | Lee \\| Lead | 2026-07-30 | open |",
      ].join("\n"),
    );
    expect(md).toContain("| 2026-06-10 11:58 UTC | Breach detected | Error rate 12% above 5% for 1 min (canary 0.12, baseline 0.01, threshold 0.05). | analysis |");
    expect(md.indexOf("| 2026-06-10 11:55 UTC | Deployed |")).toBeLessThan(md.indexOf("| 2026-06-10 12:03 UTC | Acknowledged |"));
  });

  it("a draft without action items or timeline says so", () => {
    const md = postmortemMarkdown(doc({ status: "draft", publishedAt: null, actionItems: [], timeline: [] }), T0);
    expect(md).toContain("- Status: draft\n");
    expect(md).toContain("## Action items\n\n_None._\n");
    expect(md).toContain("## Timeline\n\n_No entries._\n");
  });
});
