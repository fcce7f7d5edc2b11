import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findService, findServiceByName } from "@/db/queries/catalog";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { deleteInput, serviceInput, updateServiceInput } from "@/lib/domain/catalog-inputs";
import { ConflictError, ForbiddenError, NotFoundError, PreconditionError } from "@/lib/errors";
import { createService } from "@/lib/services/services/create-service";
import { deleteService } from "@/lib/services/services/delete-service";
import { updateService } from "@/lib/services/services/update-service";
import { actorFor, auditEvents, buildSeededTemplate, closeCurrentDb, expectRefusedWithoutWrites, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let admin: Actor;
let sampleId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  admin = actorFor(db, "admin@flightdeck.local");
  sampleId = findServiceByName(db, "sample-api")!.id;
});
afterEach(() => closeCurrentDb());

const PM2 = { driver: "pm2", script: "dist/server.js", mainPort: 5000, canaryPort: 5001 };
const newService = (name = "payments") =>
  serviceInput.parse({ name, description: "Card payments", owner: "Payments team", deployTarget: JSON.stringify(PM2) });
const update = (over: Record<string, unknown> = {}) =>
  updateServiceInput.parse({ id: sampleId, rowVersion: 1, name: "sample-api", description: "Changed", owner: "New owner", deployTarget: JSON.stringify(PM2), ...over });

function insertRelease(serviceId: number): void {
  sqlite
    .prepare(
      "INSERT INTO releases (service_id, version, commit_sha, change_log, rollback_plan, strategy, created_by, created_at, updated_at) VALUES (?, '1.0.0', 'abc123', 'log', 'plan', '{}', ?, 0, 0)",
    )
    .run(serviceId, admin.id);
}

describe("service verbs refuse non-admin roles and write nothing", () => {
  const accounts = ["viewer@flightdeck.local", "captain@flightdeck.local", "owner@flightdeck.local", "dev@flightdeck.local", "security@flightdeck.local", "captain-sentinel@flightdeck.local"];
  const verbs: { verb: string; call: (a: Actor) => unknown }[] = [
    { verb: "createService", call: (a) => createService(a, newService()) },
    { verb: "updateService", call: (a) => updateService(a, update()) },
    { verb: "deleteService", call: (a) => deleteService(a, deleteInput.parse({ id: sampleId, rowVersion: 1 })) },
  ];
  it.each(verbs.flatMap((v) => accounts.map((email) => ({ ...v, email }))))("$verb by $email", async ({ call, email }) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => call(actorFor(db, email)), ForbiddenError);
    expect(err).toMatchObject({ permission: "service.manage" });
  });
});

describe("createService", () => {
  it("inserts the service and its audit event", () => {
    const before = lastAuditId(sqlite);
    const row = createService(admin, newService(), "req-svc");
    expect(findService(db, row.id)).toMatchObject({ name: "payments", description: "Card payments", owner: "Payments team", rowVersion: 1 });
    expect(JSON.parse(findService(db, row.id)!.deployTarget)).toEqual({ ...PM2, healthPath: "/health" });
    const events = auditEvents(sqlite, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "service.create",
      actorId: admin.id,
      actorLabel: "admin@flightdeck.local",
      roles: ["admin"],
      subjectType: "service",
      subjectId: String(row.id),
      requestId: "req-svc",
      details: { name: "payments", owner: "Payments team", deployTarget: { ...PM2, healthPath: "/health" } },
    });
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it("duplicate name -> ConflictError, nothing written", async () => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createService(admin, newService("sample-api")), ConflictError, "already exists");
    expect(err).toMatchObject({ fieldErrors: { name: ["This name is taken."] } });
  });
});

describe("updateService", () => {
  it("updates, bumps rowVersion and audits before/after", () => {
    const before = lastAuditId(sqlite);
    const after = updateService(admin, update(), "req-upd");
    expect(after).toMatchObject({ id: sampleId, name: "sample-api", description: "Changed", owner: "New owner", rowVersion: 2 });
    expect(findService(db, sampleId)!.rowVersion).toBe(2);
    const [event, ...rest] = auditEvents(sqlite, before);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ action: "service.update", actorId: admin.id, actorLabel: admin.email, subjectType: "service", subjectId: String(sampleId), requestId: "req-upd" });
    expect(event!.details).toMatchObject({
      before: { name: "sample-api", owner: "Platform team", deployTarget: { driver: "local" } },
      after: { name: "sample-api", description: "Changed", owner: "New owner", deployTarget: { driver: "pm2" } },
    });
  });

  it("renames to a free name", () => {
    expect(updateService(admin, update({ name: "renamed" })).name).toBe("renamed");
    expect(findServiceByName(db, "sample-api")).toBeUndefined();
  });

  it("stale rowVersion -> ConflictError, nothing written (second of two editors)", async () => {
    updateService(admin, update({ description: "first editor" }));
    await expectRefusedWithoutWrites(sqlite, () => updateService(admin, update({ description: "second editor" })), ConflictError, "Someone changed this service");
    expect(findService(db, sampleId)!.description).toBe("first editor");
  });

  it.each([0, 2, 99].map((rowVersion) => ({ rowVersion })))("rowVersion $rowVersion that was never current -> ConflictError", async ({ rowVersion }) => {
    await expectRefusedWithoutWrites(sqlite, () => updateService(admin, { ...update(), rowVersion }), ConflictError);
  });

  it("name taken by another service -> ConflictError, nothing written", async () => {
    createService(admin, newService("payments"));
    await expectRefusedWithoutWrites(sqlite, () => updateService(admin, update({ name: "payments" })), ConflictError, "already exists");
  });

  it("unknown id -> NotFoundError", async () => {
    await expectRefusedWithoutWrites(sqlite, () => updateService(admin, update({ id: 999 })), NotFoundError);
  });
});

describe("deleteService", () => {
  it("deletes and audits", () => {
    const before = lastAuditId(sqlite);
    expect(deleteService(admin, { id: sampleId, rowVersion: 1 }, "req-del")).toEqual({ id: sampleId });
    expect(findService(db, sampleId)).toBeUndefined();
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "service.delete", actorId: admin.id, actorLabel: admin.email, subjectType: "service", subjectId: String(sampleId), details: { name: "sample-api" }, requestId: "req-del" }),
    ]);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it("also removes the service's per-environment state (cascade)", () => {
    sqlite.prepare("INSERT INTO service_environment_state (service_id, environment_id, current_version, updated_at) VALUES (?, 1, '1.0.0', 0)").run(sampleId);
    deleteService(admin, { id: sampleId, rowVersion: 1 });
    expect(sqlite.prepare("SELECT count(*) FROM service_environment_state").pluck().get()).toBe(0);
  });

  it("stale rowVersion -> ConflictError, nothing written", async () => {
    updateService(admin, update());
    await expectRefusedWithoutWrites(sqlite, () => deleteService(admin, { id: sampleId, rowVersion: 1 }), ConflictError, "Someone changed this service");
  });

  it("a service with releases -> PreconditionError, nothing written", async () => {
    insertRelease(sampleId);
    await expectRefusedWithoutWrites(sqlite, () => deleteService(admin, { id: sampleId, rowVersion: 1 }), PreconditionError, "has releases");
  });

  it("unknown id -> NotFoundError", async () => {
    await expectRefusedWithoutWrites(sqlite, () => deleteService(admin, { id: 5555, rowVersion: 1 }), NotFoundError);
  });
});
