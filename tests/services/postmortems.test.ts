import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { timelineOf } from "@/db/queries/incidents";
import { actionItemsOf, postmortemOf } from "@/db/queries/postmortems";
import { setUserDisabled } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import { POSTMORTEM_FIELDS, type PostmortemInput, postmortemMarkdown } from "@/lib/domain/incidents/postmortem";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { incidentHandlers } from "@/lib/jobs/handlers/incidents";
import { INCIDENT_SLA_JOB } from "@/lib/jobs/kinds";
import { addPostmortemActionItem } from "@/lib/services/incidents/add-postmortem-action-item";
import { changeIncidentStatus } from "@/lib/services/incidents/change-incident-status";
import { completePostmortemActionItem } from "@/lib/services/incidents/complete-postmortem-action-item";
import { openIncident } from "@/lib/services/incidents/open-incident";
import { publishPostmortem } from "@/lib/services/incidents/publish-postmortem";
import { recordOverduePostmortems } from "@/lib/services/incidents/record-overdue-postmortems";
import { savePostmortem } from "@/lib/services/incidents/save-postmortem";
import { setIncidentCommander } from "@/lib/services/incidents/set-incident-commander";
import { createChannel } from "@/lib/services/notifications/create-channel";
import { subscribeChannel } from "@/lib/services/notifications/subscribe-channel";
import { loadPostmortem } from "@/lib/views/postmortem";
import { actorFor, auditEvents, expectRefusedWithoutWrites, insertUserWithRoles, lastAuditId, snapshot } from "../support/db";
import { DEMO, HOUR, MIN, NOW, freshSeededDbPerTest, jobContext } from "../support/governance";
import { actAs } from "../support/request-double";

vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});
vi.mock("next/cache", async () => {
  const d = await import("../support/request-double");
  return { revalidatePath: d.revalidateDouble, revalidateTag: d.revalidateDouble };
});
const { addPostmortemActionItemAction } = await import("@/app/(dashboard)/incidents/[id]/postmortem/actions");

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string): Actor => actorFor(db, DEMO(name));
const TODAY = "2026-06-10"; // NOW's UTC day

const text = (over: Partial<PostmortemInput> = {}): PostmortemInput => ({
  ...(Object.fromEntries(POSTMORTEM_FIELDS.map((f) => [f, ""])) as Record<(typeof POSTMORTEM_FIELDS)[number], string>),
  incidentId: 0,
  expectedVersion: undefined,
  ...over,
});

const complete = { summary: "Checkout failed.", impact: "4% of checkouts for 12 min.", rootCauses: "Pool sized for 4 instances.", resolution: "Rolled back." };

function incident(over: { severity?: "P1" | "P2" } = {}) {
  return openIncident(who("oncall"), { title: "Checkout errors", kind: "outage", severity: over.severity ?? "P2", summary: "Customers see 500s." }, undefined, NOW);
}

describe("save and publish (L3)", () => {
  it("on-call starts a draft (audited, one timeline entry), saves again under its version; a stale version is CONFLICT", async () => {
    const i = incident();
    const before = lastAuditId(sqlite);
    const draft = savePostmortem(who("oncall"), text({ incidentId: i.id, summary: "First words." }), "req-1", NOW + MIN);
    expect(draft).toMatchObject({ incidentId: i.id, status: "draft", summary: "First words.", rowVersion: 1, authorId: who("oncall").id });
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "postmortem.save", subjectType: "incident", subjectId: String(i.id), requestId: "req-1", actorLabel: DEMO("oncall") });
    expect(event!.details).toMatchObject({ postmortemId: draft.id, status: "draft", changed: ["summary"], rowVersion: 1 });
    expect(timelineOf(db, i.id).filter((e) => e.kind === "postmortem").map((e) => e.text)).toEqual(["Postmortem draft started by Omar On-call."]);

    const saved = savePostmortem(who("captain"), text({ incidentId: i.id, expectedVersion: 1, summary: "First words.", impact: "Some." }), undefined, NOW + 2 * MIN);
    expect(saved).toMatchObject({ rowVersion: 2, impact: "Some.", authorId: who("oncall").id });
    expect(auditEvents(sqlite, before).at(-1)!.details).toMatchObject({ changed: ["impact"] });
    // Later saves write no more timeline entries.
    expect(timelineOf(db, i.id).filter((e) => e.kind === "postmortem")).toHaveLength(1);

    await expectRefusedWithoutWrites(sqlite, () => savePostmortem(who("oncall"), text({ incidentId: i.id, expectedVersion: 1, summary: "stale" }), undefined, NOW + 3 * MIN), ConflictError);
    // A first-save form sent after someone else started the draft is stale too.
    await expectRefusedWithoutWrites(sqlite, () => savePostmortem(who("oncall"), text({ incidentId: i.id, summary: "mine" }), undefined, NOW + 3 * MIN), ConflictError);
  });

  it("who may write: incident.manage roles and the incident's commander; not a viewer, a feature owner or an admin; unknown incident is 404", async () => {
    const i = incident();
    for (const name of ["viewer", "feature", "admin", "dev"]) {
      const err = await expectRefusedWithoutWrites(sqlite, () => savePostmortem(who(name), text({ incidentId: i.id, summary: "x" }), undefined, NOW), ForbiddenError);
      expect(err).toMatchObject({ permission: "incident.manage" });
    }
    await expectRefusedWithoutWrites(sqlite, () => savePostmortem(who("oncall"), text({ incidentId: 999_999, summary: "x" }), undefined, NOW), NotFoundError);
    await expectRefusedWithoutWrites(sqlite, () => publishPostmortem(who("viewer"), text({ incidentId: i.id, ...complete }), undefined, NOW), ForbiddenError);
    // A developer named commander writes the postmortem of that incident.
    setIncidentCommander(who("captain"), { incidentId: i.id, commanderId: who("dev").id }, undefined, NOW);
    expect(savePostmortem(who("dev"), text({ incidentId: i.id, summary: "Commander's notes." }), undefined, NOW + MIN).summary).toBe("Commander's notes.");
  });

  it("publishing needs the required sections (field errors) and a mitigated incident; then it is final and on the timeline", async () => {
    const i = incident();
    savePostmortem(who("oncall"), text({ incidentId: i.id, summary: "s" }), undefined, NOW + MIN);
    const err = await expectRefusedWithoutWrites(sqlite, () => publishPostmortem(who("oncall"), text({ incidentId: i.id, expectedVersion: 1, summary: "s" }), undefined, NOW + 2 * MIN), InvalidError);
    expect((err as InvalidError).fieldErrors).toEqual({
      impact: ["Write the impact before publishing."],
      rootCauses: ["Write the root causes before publishing."],
      resolution: ["Write the resolution before publishing."],
    });
    await expectRefusedWithoutWrites(
      sqlite,
      () => publishPostmortem(who("oncall"), text({ incidentId: i.id, expectedVersion: 1, ...complete }), undefined, NOW + 2 * MIN),
      PreconditionError,
      "Mitigate or resolve the incident before publishing its postmortem.",
    );
    changeIncidentStatus(who("oncall"), { incidentId: i.id, to: "mitigated" }, undefined, NOW + 3 * MIN);
    const before = lastAuditId(sqlite);
    const published = publishPostmortem(who("oncall"), text({ incidentId: i.id, expectedVersion: 1, ...complete }), "req-pub", NOW + 4 * MIN);
    expect(published).toMatchObject({ status: "published", publishedAt: NOW + 4 * MIN, publishedBy: who("oncall").id, rootCauses: complete.rootCauses, rowVersion: 2 });
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "postmortem.publish", requestId: "req-pub" });
    expect(event!.details).toMatchObject({ status: "published", changed: ["summary", "impact", "rootCauses", "resolution"] });
    expect(timelineOf(db, i.id).at(-1)).toMatchObject({ kind: "postmortem", text: "Postmortem published by Omar On-call.", auditEventId: event!.id });
    await expectRefusedWithoutWrites(
      sqlite,
      () => savePostmortem(who("oncall"), text({ incidentId: i.id, expectedVersion: 2, ...complete }), undefined, NOW + 5 * MIN),
      PreconditionError,
      "This postmortem is published; it no longer changes.",
    );
  });
});

describe("action items (L3)", () => {
  function started() {
    const i = incident();
    const pm = savePostmortem(who("oncall"), text({ incidentId: i.id, summary: "s" }), undefined, NOW);
    return { i, pm };
  }

  it("needs a saved draft, an enabled owner and a due date not in the past; each refusal writes nothing", async () => {
    const bare = incident();
    await expectRefusedWithoutWrites(
      sqlite,
      () => addPostmortemActionItem(who("oncall"), { incidentId: bare.id, text: "Alert", kind: "detect", ownerId: who("oncall").id, dueOn: TODAY }, undefined, NOW),
      PreconditionError,
      "Save the postmortem draft before adding action items.",
    );
    const { i } = started();
    const disabled = insertUserWithRoles(db, "gone@example.test", ["developer"]);
    setUserDisabled(db, disabled.id, true);
    for (const ownerId of [disabled.id, 999_999]) {
      const err = await expectRefusedWithoutWrites(
        sqlite,
        () => addPostmortemActionItem(who("oncall"), { incidentId: i.id, text: "Alert", kind: "detect", ownerId, dueOn: TODAY }, undefined, NOW),
        InvalidError,
      );
      expect((err as InvalidError).fieldErrors).toEqual({ ownerId: ["The owner must be an enabled account: choose one from the list."] });
    }
    const late = await expectRefusedWithoutWrites(
      sqlite,
      () => addPostmortemActionItem(who("oncall"), { incidentId: i.id, text: "Alert", kind: "detect", ownerId: who("dev").id, dueOn: "2026-06-09" }, undefined, NOW),
      InvalidError,
    );
    expect((late as InvalidError).fieldErrors).toEqual({ dueOn: ["The due date 2026-06-09 is in the past: choose 2026-06-10 or later."] });
    await expectRefusedWithoutWrites(
      sqlite,
      () => addPostmortemActionItem(who("viewer"), { incidentId: i.id, text: "Alert", kind: "detect", ownerId: who("dev").id, dueOn: TODAY }, undefined, NOW),
      ForbiddenError,
    );
  });

  it("added with owner and due date (audited); its owner marks it done even without incident rights; twice is refused", async () => {
    const { i, pm } = started();
    const before = lastAuditId(sqlite);
    const item = addPostmortemActionItem(who("captain"), { incidentId: i.id, text: "Size pools from the instance count", kind: "prevent", ownerId: who("dev").id, dueOn: "2026-06-20" }, "req-ai", NOW);
    expect(item).toMatchObject({ postmortemId: pm.id, ownerId: who("dev").id, dueOn: "2026-06-20", doneAt: null, createdBy: who("captain").id });
    const [added] = auditEvents(sqlite, before);
    expect(added).toMatchObject({ action: "postmortem.action_item_add", subjectId: String(i.id), requestId: "req-ai" });
    expect(added!.details).toMatchObject({ itemId: item.id, ownerId: who("dev").id, dueOn: "2026-06-20", kind: "prevent" });

    await expectRefusedWithoutWrites(sqlite, () => completePostmortemActionItem(who("viewer"), { incidentId: i.id, itemId: item.id }, undefined, NOW), ForbiddenError);
    await expectRefusedWithoutWrites(sqlite, () => completePostmortemActionItem(who("dev"), { incidentId: i.id, itemId: 999_999 }, undefined, NOW), NotFoundError);
    const other = incident();
    await expectRefusedWithoutWrites(sqlite, () => completePostmortemActionItem(who("dev"), { incidentId: other.id, itemId: item.id }, undefined, NOW), NotFoundError);

    const done = completePostmortemActionItem(who("dev"), { incidentId: i.id, itemId: item.id }, undefined, NOW + 11 * 24 * HOUR);
    expect(done).toMatchObject({ doneAt: NOW + 11 * 24 * HOUR, doneBy: who("dev").id });
    expect(auditEvents(sqlite, before).at(-1)).toMatchObject({ action: "postmortem.action_item_done", actorLabel: DEMO("dev") });
    expect(auditEvents(sqlite, before).at(-1)!.details).toMatchObject({ itemId: item.id, late: true });
    await expectRefusedWithoutWrites(sqlite, () => completePostmortemActionItem(who("oncall"), { incidentId: i.id, itemId: item.id }, undefined, NOW), PreconditionError, "This action item is already done.");
    expect(actionItemsOf(db, pm.id).map((r) => [r.owner, r.item.doneAt])).toEqual([["Dana Developer", NOW + 11 * 24 * HOUR]]);
  });

  it("through the server action: no owner is INVALID with the owner message, one refusal event, nothing else written", async () => {
    const { i } = started();
    actAs(insertUserWithRoles(db, "oncall-action@example.test", ["oncall"]).id);
    const before = snapshot(sqlite);
    const last = lastAuditId(sqlite);
    const result = await addPostmortemActionItemAction(null, { incidentId: String(i.id), text: "Alert on saturation", kind: "detect", ownerId: "", dueOn: "2099-01-01" });
    expect(result).toMatchObject({ ok: false, code: "INVALID", fieldErrors: { ownerId: ["Every action item needs an owner: choose one."] } });
    const after = snapshot(sqlite);
    for (const t of Object.keys(before)) if (t !== "audit_events") expect(after[t], `${t} changed`).toEqual(before[t]);
    expect(auditEvents(sqlite, last).map((e) => e.action)).toEqual(["action.refused"]);
  });
});

describe("overdue (K2: due 48 h after opening; announced once)", () => {
  it("the incident.sla pass announces an unpublished postmortem past due once, with a chat message and a timeline entry", async () => {
    const channel = createChannel(who("captain"), { name: "#incidents", kind: "slack", url: "http://127.0.0.1:9/hook" }, undefined, NOW);
    subscribeChannel(who("captain"), { channelId: channel.id, eventKind: "postmortem_overdue", serviceId: null, environmentId: null }, undefined, NOW);
    const late = incident({ severity: "P1" });
    const onTime = incident();
    savePostmortem(who("oncall"), text({ incidentId: late.id, summary: "draft only" }), undefined, NOW + HOUR);
    changeIncidentStatus(who("oncall"), { incidentId: onTime.id, to: "resolved" }, undefined, NOW + HOUR);
    publishPostmortem(who("oncall"), text({ incidentId: onTime.id, ...complete }), undefined, NOW + 2 * HOUR);
    const before = lastAuditId(sqlite);
    expect(writeTransaction(db, (tx) => recordOverduePostmortems(tx, NOW + 48 * HOUR))).toBe(0);

    let clock = NOW + 48 * HOUR + MIN;
    const handlers = incidentHandlers(db, () => clock);
    const job = { id: 1, kind: INCIDENT_SLA_JOB, payload: "{}" } as Parameters<typeof jobContext>[1];
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    clock += 10 * MIN;
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    const overdue = auditEvents(sqlite, before).filter((e) => e.action === "incident.postmortem_overdue");
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toMatchObject({ subjectId: String(late.id), actorLabel: "worker" });
    expect(overdue[0]!.details).toMatchObject({ severity: "P1", title: "Checkout errors", dueAt: NOW + 48 * HOUR, overdueMs: MIN });
    expect(timelineOf(db, late.id).at(-1)).toMatchObject({ kind: "postmortem", text: "Postmortem overdue (due 2026-06-12 12:00 UTC).", auditEventId: overdue[0]!.id });
    const messages = sqlite.prepare("SELECT event_kind, text FROM notification_messages WHERE event_kind = 'postmortem_overdue'").all();
    expect(messages).toEqual([{ event_kind: "postmortem_overdue", text: `📝 Postmortem overdue for incident #${late.id} (Checkout errors): due 2026-06-12 12:00 UTC.` }]);
    expect(loadPostmortem(db, late.id, clock)!.overdue).toBe(true);
    expect(loadPostmortem(db, onTime.id, clock)!.overdue).toBe(false);
  });
});

describe("the export's read model", () => {
  it("before the first save: the prefill; after: the saved text, action items with owners, the timeline", () => {
    const i = incident();
    const view = loadPostmortem(db, i.id, NOW)!;
    expect(view.postmortem).toBeUndefined();
    expect(view.document.text.summary).toContain('P2 outage incident "Checkout errors", opened 2026-06-10 12:00 UTC.');
    expect(view.document.text.summary).toContain("Customers see 500s.");
    savePostmortem(who("oncall"), text({ incidentId: i.id, ...complete }), undefined, NOW + MIN);
    addPostmortemActionItem(who("oncall"), { incidentId: i.id, text: "Alert on pool saturation", kind: "detect", ownerId: who("oncall").id, dueOn: TODAY }, undefined, NOW + MIN);
    const md = postmortemMarkdown(loadPostmortem(db, i.id, NOW)!.document, NOW + 2 * 24 * HOUR);
    expect(md).toContain("## Root causes\n\nPool sized for 4 instances.\n");
    expect(md).toContain("| Alert on pool saturation | Detect | Omar On-call | 2026-06-10 | overdue |");
    expect(md).toContain("| 2026-06-10 12:01 UTC | Postmortem | Postmortem draft started by Omar On-call. | oncall@flightdeck.local |");
    expect(postmortemOf(db, i.id)!.authorId).toBe(who("oncall").id);
  });
});
