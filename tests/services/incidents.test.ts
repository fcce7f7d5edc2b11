import type Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { readGate } from "@/db/queries/governance";
import { findIncident, incidentOfRollout, listIncidents, timelineOf } from "@/db/queries/incidents";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import type { Actor } from "@/lib/domain/actor";
import { DEFAULT_ANALYSIS } from "@/lib/domain/analysis/config";
import type { Decision } from "@/lib/domain/analysis/evaluate";
import { controlRolloutInput } from "@/lib/domain/rollout/inputs";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { DETECTED_AT_MESSAGES } from "@/lib/domain/incidents/rules";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { incidentHandlers } from "@/lib/jobs/handlers/incidents";
import { INCIDENT_SLA_JOB } from "@/lib/jobs/kinds";
import { autoRollback } from "@/lib/services/analysis/auto-rollback";
import { addIncidentNote } from "@/lib/services/incidents/add-incident-note";
import { changeIncidentStatus } from "@/lib/services/incidents/change-incident-status";
import { openIncident } from "@/lib/services/incidents/open-incident";
import { recordSlaBreaches } from "@/lib/services/incidents/record-sla-breaches";
import { setIncidentCommander } from "@/lib/services/incidents/set-incident-commander";
import { setIncidentSeverity } from "@/lib/services/incidents/set-incident-severity";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { createRollout } from "@/lib/services/rollouts/create-rollout";
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
const { acknowledgeIncidentAction } = await import("@/app/(dashboard)/incidents/actions");

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const who = (name: string): Actor => actorFor(db, DEMO(name));
const WORKER = { kind: "system", label: "worker" } as const;

/** A running canary of sample-api 2.0.0 over 1.9.0 in `environment`, created as the captain. */
function liveRollout(environment = "production", key = "inc-1"): RolloutRow {
  const env = findEnvironmentByName(db, environment)!;
  return writeTransaction(db, (tx) =>
    createRollout(
      tx,
      {
        actor: who("captain"),
        serviceId: findServiceByName(db, "sample-api")!.id,
        environment: env,
        fromVersion: "1.9.0",
        toVersion: "2.0.0",
        strategy: strategySchema.parse({ kind: "canary", steps: [{ weight: 25, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] }),
        idempotencyKey: key,
      },
      NOW,
    ),
  );
}

/** The worker reports the rollback done (canary removed). */
const finishRollback = (rolloutId: number, at = NOW + 2 * MIN) =>
  writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, rolloutId)!, { type: "rollback_succeeded" }, { actor: WORKER, environment: "production" }, at));

const decision = (kind: "rollback_immediate" | "rollback_gradual"): Decision & { kind: typeof kind } => ({
  kind,
  ruleId: "error-rate",
  source: "builtin",
  metric: "error_rate",
  comparison: "absolute",
  canary: 0.12,
  baseline: 0.01,
  threshold: 0.05,
  windowSeconds: 60,
  forMs: 60_000,
  satisfiedAt: NOW + MIN,
  sentence: "Error rate 12% above 5% for 1 min",
});

function autoRollBack(rollout: RolloutRow, kind: "rollback_immediate" | "rollback_gradual" = "rollback_immediate") {
  writeTransaction(db, (tx) => autoRollback(tx, findRollout(tx, rollout.id)!, decision(kind), { cfg: DEFAULT_ANALYSIS, environment: "production", at: NOW + MIN }));
}

const openedBy = (rolloutId: number) => incidentOfRollout(db, rolloutId);

describe("a production rollback opens an incident by itself (K2)", () => {
  it("automatic immediate rollback: P1, linked, timeline from the audit trail, postmortem due in 48 h", () => {
    const rollout = liveRollout();
    autoRollBack(rollout);
    expect(openedBy(rollout.id)).toBeUndefined(); // still rolling back
    const before = lastAuditId(sqlite);
    finishRollback(rollout.id);
    const incident = openedBy(rollout.id)!;
    expect(incident).toMatchObject({
      kind: "rollback",
      severity: "P1",
      status: "open",
      rolloutId: rollout.id,
      releaseId: null,
      environmentId: findEnvironmentByName(db, "production")!.id,
      openedAt: NOW + 2 * MIN,
      // The SLA clocks run from the analysis breach (the decision's satisfiedAt), not the opening.
      detectedAt: NOW + MIN,
      postmortemDueAt: NOW + 2 * MIN + 48 * HOUR,
      title: "Rollback of sample-api 2.0.0 in production",
    });
    expect(timelineOf(db, incident.id).map((e) => [e.kind, e.text])).toEqual([
      ["deployed", "sample-api 2.0.0 started in production (replacing 1.9.0)."],
      ["breach_detected", "Error rate 12% above 5% for 1 min (canary 0.12, baseline 0.01, threshold 0.05)."],
      ["rollback_initiated", "Automatic rollback initiated: Error rate 12% above 5% for 1 min."],
      ["service_restored", "Rollback completed: 1.9.0 serves all traffic in production."],
      ["opened", `P1 incident opened by the automatic rollback of rollout #${rollout.id}.`],
    ]);
    // Every entry points at the audit event it was built from (or that recorded it).
    expect(timelineOf(db, incident.id).every((e) => e.auditEventId !== null)).toBe(true);
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => e.action)).toEqual(["rollout.rolled_back", "incident.open"]);
    expect(events[1]).toMatchObject({ actorLabel: "worker", subjectType: "incident", subjectId: String(incident.id), environment: "production" });
    expect(events[1]!.details).toMatchObject({ severity: "P1", rolloutId: rollout.id, automatic: true, immediate: true, detectedAt: NOW + MIN });
  });

  it("automatic gradual rollback: P2", () => {
    const rollout = liveRollout();
    autoRollBack(rollout, "rollback_gradual");
    writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, rollout.id)!, { type: "rollback_drained" }, { actor: WORKER, environment: "production" }, NOW + MIN));
    finishRollback(rollout.id);
    expect(openedBy(rollout.id)).toMatchObject({ severity: "P2" });
  });

  it("manual abort by the captain: P2, 'Manual rollback initiated' with the reason; only one incident per rollout", () => {
    const rollout = liveRollout();
    controlRollout(who("captain"), controlRolloutInput.parse({ rolloutId: rollout.id, command: "abort", reason: "customers report errors" }), undefined, NOW + MIN);
    finishRollback(rollout.id);
    const incident = openedBy(rollout.id)!;
    expect(incident.severity).toBe("P2");
    // No breach recorded by the rollout: the clocks run from the opening.
    expect(incident.detectedAt).toBe(incident.openedAt);
    expect(timelineOf(db, incident.id).map((e) => e.kind)).toEqual(["deployed", "rollback_initiated", "service_restored", "opened"]);
    expect(timelineOf(db, incident.id)[1]!.text).toBe("Manual rollback initiated: customers report errors.");
    expect(listIncidents(db)).toHaveLength(1);
  });

  it("a staging rollback opens nothing; neither does a production rollout that succeeds", () => {
    const staging = liveRollout("staging", "inc-staging");
    controlRollout(who("captain"), controlRolloutInput.parse({ rolloutId: staging.id, command: "abort", reason: "bad" }), undefined, NOW + MIN);
    writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, staging.id)!, { type: "rollback_succeeded" }, { actor: WORKER, environment: "staging" }, NOW + 2 * MIN));
    expect(findRollout(db, staging.id)!.status).toBe("rolled_back");
    const prod = liveRollout("production", "inc-prod");
    controlRollout(who("captain"), controlRolloutInput.parse({ rolloutId: prod.id, command: "promote" }), undefined, NOW + MIN);
    writeTransaction(db, (tx) => applyRolloutEvent(tx, findRollout(tx, prod.id)!, { type: "step_succeeded", at: NOW + MIN, weight: 100 }, { actor: WORKER, environment: "production" }, NOW + MIN));
    expect(findRollout(db, prod.id)!.status).toBe("succeeded");
    expect(listIncidents(db)).toEqual([]);
  });
});

describe("acknowledge, mitigate, resolve and SLA breaches (L1)", () => {
  function p1Incident() {
    const rollout = liveRollout();
    autoRollBack(rollout);
    finishRollback(rollout.id, NOW);
    return openedBy(rollout.id)!;
  }

  it("on-call acknowledges inside the 5-minute SLA: no acknowledge breach is ever recorded", () => {
    const incident = p1Incident();
    const before = lastAuditId(sqlite);
    const acked = changeIncidentStatus(who("oncall"), { incidentId: incident.id, to: "acknowledged", expectedVersion: incident.rowVersion }, "req-ack", NOW + 3 * MIN);
    expect(acked).toMatchObject({ status: "acknowledged", acknowledgedAt: NOW + 3 * MIN, rowVersion: incident.rowVersion + 1 });
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "incident.acknowledge", actorLabel: DEMO("oncall"), requestId: "req-ack", subjectId: String(incident.id) });
    expect(event!.details).toMatchObject({ from: "open", to: "acknowledged", sla: { acknowledge: { state: "met", dueAt: NOW + 5 * MIN } } });
    expect(writeTransaction(db, (tx) => recordSlaBreaches(tx, NOW + 20 * MIN))).toBe(0);
    expect(findIncident(db, incident.id)!.ackBreachedAt).toBeNull();
  });

  it("the worker records a breach once per clock, with its timeline entry", async () => {
    const incident = p1Incident();
    const before = lastAuditId(sqlite);
    expect(writeTransaction(db, (tx) => recordSlaBreaches(tx, NOW + 5 * MIN))).toBe(0);
    // Through the worker's job handler (virtual clock), twice for the same slot of time.
    let clock = NOW + 6 * MIN;
    const handlers = incidentHandlers(db, () => clock);
    const job = { id: 1, kind: INCIDENT_SLA_JOB, payload: "{}" } as Parameters<typeof jobContext>[1];
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    clock = NOW + 31 * MIN;
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    await handlers[INCIDENT_SLA_JOB]!(jobContext(db, job));
    const breaches = auditEvents(sqlite, before).filter((e) => e.action === "incident.sla_breached");
    expect(breaches.map((e) => [e.details.clock, e.details.overdueMs, e.actorLabel])).toEqual([
      ["acknowledge", MIN, "worker"],
      ["mitigate", MIN, "worker"],
    ]);
    expect(findIncident(db, incident.id)).toMatchObject({ ackBreachedAt: NOW + 6 * MIN, mitigateBreachedAt: NOW + 31 * MIN });
    expect(timelineOf(db, incident.id).filter((e) => e.kind === "sla_breached").map((e) => e.text)).toEqual([
      `P1 acknowledge SLA breached (due ${new Date(NOW + 5 * MIN).toISOString()}).`,
      `P1 mitigate SLA breached (due ${new Date(NOW + 30 * MIN).toISOString()}).`,
    ]);
  });

  it("a late acknowledgement the worker has not seen records the breach first, exactly once", () => {
    const incident = p1Incident();
    const before = lastAuditId(sqlite);
    changeIncidentStatus(who("oncall"), { incidentId: incident.id, to: "acknowledged" }, undefined, NOW + 8 * MIN);
    writeTransaction(db, (tx) => recordSlaBreaches(tx, NOW + 9 * MIN));
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["incident.sla_breached", "incident.acknowledge"]);
  });

  it("mitigate then resolve; a resolved incident is closed to changes; severity and commander are audited", () => {
    const incident = p1Incident();
    setIncidentSeverity(who("captain"), { incidentId: incident.id, severity: "P2", reason: "single tenant" }, undefined, NOW + MIN);
    setIncidentCommander(who("captain"), { incidentId: incident.id, commanderId: who("oncall").id }, undefined, NOW + MIN);
    addIncidentNote(who("oncall"), { incidentId: incident.id, text: "Customer X confirmed recovery." }, undefined, NOW + 2 * MIN);
    changeIncidentStatus(who("oncall"), { incidentId: incident.id, to: "mitigated" }, undefined, NOW + 10 * MIN);
    const resolved = changeIncidentStatus(who("captain"), { incidentId: incident.id, to: "resolved" }, undefined, NOW + 20 * MIN);
    expect(resolved).toMatchObject({ status: "resolved", severity: "P2", commanderId: who("oncall").id, acknowledgedAt: NOW + 10 * MIN, mitigatedAt: NOW + 10 * MIN, resolvedAt: NOW + 20 * MIN });
    expect(timelineOf(db, incident.id).map((e) => e.kind).slice(-5)).toEqual(["severity_changed", "commander_set", "note", "mitigated", "resolved"]);
    expect(() => setIncidentSeverity(who("captain"), { incidentId: incident.id, severity: "P1", reason: "" }, undefined, NOW + 21 * MIN)).toThrow(PreconditionError);
    expect(() => changeIncidentStatus(who("captain"), { incidentId: incident.id, to: "resolved" }, undefined, NOW + 21 * MIN)).toThrow(PreconditionError);
  });

  it("refusals write nothing: no role, unknown incident, stale version, an unknown commander", async () => {
    const incident = p1Incident();
    for (const name of ["viewer", "feature", "sentinel"]) {
      const err = await expectRefusedWithoutWrites(sqlite, () => changeIncidentStatus(who(name), { incidentId: incident.id, to: "acknowledged" }, undefined, NOW + MIN), ForbiddenError);
      expect(err).toMatchObject({ permission: "incident.acknowledge" });
    }
    await expectRefusedWithoutWrites(sqlite, () => changeIncidentStatus(who("oncall"), { incidentId: 9999, to: "acknowledged" }, undefined, NOW + MIN), NotFoundError);
    await expectRefusedWithoutWrites(sqlite, () => changeIncidentStatus(who("oncall"), { incidentId: incident.id, to: "acknowledged", expectedVersion: 99 }, undefined, NOW + MIN), ConflictError);
    await expectRefusedWithoutWrites(sqlite, () => setIncidentCommander(who("oncall"), { incidentId: incident.id, commanderId: 9999 }, undefined, NOW + MIN), Error, "Please correct the highlighted fields.");
  });

  it("a viewer's acknowledge through the server action: FORBIDDEN, one authz.denied event, nothing else", async () => {
    const incident = p1Incident();
    const viewer = insertUserWithRoles(db, "viewer-ack@example.test", ["viewer"]);
    actAs(viewer.id);
    const before = snapshot(sqlite);
    const last = lastAuditId(sqlite);
    const result = await acknowledgeIncidentAction(null, { incidentId: String(incident.id) });
    expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const after = snapshot(sqlite);
    for (const t of Object.keys(before)) if (t !== "audit_events") expect(after[t], `${t} changed`).toEqual(before[t]);
    expect(auditEvents(sqlite, last)).toEqual([expect.objectContaining({ action: "authz.denied", actorId: viewer.id, subjectId: "incident.acknowledge" })]);
    expect(findIncident(db, incident.id)!.status).toBe("open");
  });
});

describe("a manual incident's detected at (incident.io): the SLA clocks run from it", () => {
  const outage = { title: "Checkout down", kind: "outage", severity: "P1", summary: "" } as const;

  it("no detection time: detected when opened; the audit event says so", () => {
    const before = lastAuditId(sqlite);
    const incident = openIncident(who("oncall"), outage, undefined, NOW);
    expect(incident).toMatchObject({ openedAt: NOW, detectedAt: NOW });
    expect(auditEvents(sqlite, before)[0]!.details).toMatchObject({ kind: "outage", detectedAt: NOW });
    expect(timelineOf(db, incident.id).map((e) => e.text)).toEqual([`P1 outage incident opened by ${who("oncall").name}.`]);
  });

  it("a P1 detected 20 minutes before the record: acknowledge already breached (the worker records it once), mitigate still running", () => {
    const before = lastAuditId(sqlite);
    const incident = openIncident(who("oncall"), { ...outage, detectedAt: NOW - 20 * MIN }, "req-open", NOW);
    expect(incident).toMatchObject({ openedAt: NOW, detectedAt: NOW - 20 * MIN, postmortemDueAt: NOW + 48 * HOUR });
    expect(auditEvents(sqlite, before)[0]).toMatchObject({ action: "incident.open", requestId: "req-open" });
    expect(auditEvents(sqlite, before)[0]!.details).toMatchObject({ severity: "P1", detectedAt: NOW - 20 * MIN });
    expect(timelineOf(db, incident.id)[0]!.text).toBe(`P1 outage incident opened by ${who("oncall").name} (impact detected ${new Date(NOW - 20 * MIN).toISOString()}).`);
    expect(writeTransaction(db, (tx) => recordSlaBreaches(tx, NOW + 5_000))).toBe(1);
    expect(writeTransaction(db, (tx) => recordSlaBreaches(tx, NOW + 10_000))).toBe(0);
    const breach = auditEvents(sqlite, before).filter((e) => e.action === "incident.sla_breached");
    expect(breach.map((e) => [e.details.clock, e.details.dueAt, e.details.overdueMs])).toEqual([["acknowledge", NOW - 15 * MIN, 15 * MIN + 5_000]]);
    // Acknowledged now: late, and the mitigate clock (due 30 min after detection) is untouched.
    const acked = changeIncidentStatus(who("oncall"), { incidentId: incident.id, to: "acknowledged" }, undefined, NOW + MIN);
    const ack = auditEvents(sqlite, before).at(-1)!;
    expect(ack.details).toMatchObject({ sla: { acknowledge: { state: "met_late", dueAt: NOW - 15 * MIN }, mitigate: { state: "running", dueAt: NOW + 10 * MIN } } });
    expect(acked.mitigateBreachedAt).toBeNull();
  });

  it("in the future or more than 24 h ago: refused on the field in plain words, nothing written", async () => {
    for (const [detectedAt, message] of [
      [NOW + MIN, DETECTED_AT_MESSAGES.future],
      [NOW - 24 * HOUR - MIN, DETECTED_AT_MESSAGES.tooOld],
    ] as const) {
      const err = await expectRefusedWithoutWrites(sqlite, () => openIncident(who("oncall"), { ...outage, detectedAt }, undefined, NOW), InvalidError);
      expect((err as InvalidError).fieldErrors).toEqual({ detectedAt: [message] });
    }
    expect(openIncident(who("oncall"), { ...outage, detectedAt: NOW - 24 * HOUR }, undefined, NOW).detectedAt).toBe(NOW - 24 * HOUR);
  });
});

describe("a critical security incident locks the gate down (E5)", () => {
  it("P1 security incident: lockdown with gate.mode_set naming the incident; a P2 one does not", () => {
    expect(readGate(db).mode).toBe("monitor");
    const minor = openIncident(who("oncall"), { title: "Suspicious login", kind: "security", severity: "P2", summary: "" }, undefined, NOW);
    expect(minor.lockdown).toBe(false);
    expect(readGate(db).mode).toBe("monitor");
    const before = lastAuditId(sqlite);
    const critical = openIncident(who("oncall"), { title: "Leaked signing key", kind: "security", severity: "P1", summary: "Key found in a public gist" }, "req-sec", NOW);
    expect(critical.lockdown).toBe(true);
    expect(readGate(db)).toMatchObject({ mode: "lockdown", lockdownReason: `Critical security incident #${critical.id}: Leaked signing key`, updatedBy: who("oncall").id });
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => e.action)).toEqual(["incident.open", "gate.mode_set"]);
    expect(events[1]!.details).toMatchObject({ autoLockdown: true, before: { mode: "monitor" }, after: { mode: "lockdown" }, trigger: { subjectType: "incident", subjectId: critical.id } });
    expect(timelineOf(db, critical.id).map((e) => e.kind)).toEqual(["opened", "lockdown"]);
  });

  it("raising a security incident to P1 locks down too; already in lockdown changes nothing more", () => {
    const incident = openIncident(who("security"), { title: "Odd traffic", kind: "security", severity: "P2", summary: "" }, undefined, NOW);
    setIncidentSeverity(who("security"), { incidentId: incident.id, severity: "P1", reason: "data exfiltration confirmed" }, undefined, NOW + MIN);
    expect(readGate(db).mode).toBe("lockdown");
    const before = lastAuditId(sqlite);
    openIncident(who("security"), { title: "Second finding", kind: "security", severity: "P1", summary: "" }, undefined, NOW + 2 * MIN);
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["incident.open"]);
  });

  it("an outage P1 opened by hand does not lock down; a viewer may not open incidents", async () => {
    openIncident(who("captain"), { title: "Checkout down", kind: "outage", severity: "P1", summary: "" }, undefined, NOW);
    expect(readGate(db).mode).toBe("monitor");
    await expectRefusedWithoutWrites(sqlite, () => openIncident(who("viewer"), { title: "x y z", kind: "security", severity: "P1", summary: "" }, undefined, NOW), ForbiddenError);
  });
});
