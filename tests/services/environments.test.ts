import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findEnvironment, findEnvironmentByName } from "@/db/queries/catalog";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { deleteInput, environmentInput, updateEnvironmentInput } from "@/lib/domain/catalog-inputs";
import { AppError, ConflictError, ForbiddenError, NotFoundError, PreconditionError } from "@/lib/errors";
import { createEnvironment } from "@/lib/services/environments/create-environment";
import { deleteEnvironment } from "@/lib/services/environments/delete-environment";
import { updateEnvironment } from "@/lib/services/environments/update-environment";
import { actorFor, auditEvents, buildSeededTemplate, closeCurrentDb, expectRefusedWithoutWrites, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let admin: Actor;
let stagingId = 0;
let productionId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  admin = actorFor(db, "admin@flightdeck.local");
  stagingId = findEnvironmentByName(db, "staging")!.id;
  productionId = findEnvironmentByName(db, "production")!.id;
});
afterEach(() => closeCurrentDb());

const qa = (over: Record<string, unknown> = {}) => environmentInput.parse({ name: "qa", description: "QA lab", production: "false", sortOrder: "5", ...over });
const update = (over: Record<string, unknown> = {}) =>
  updateEnvironmentInput.parse({ id: stagingId, rowVersion: 1, name: "staging", description: "Renamed lab", production: false, sortOrder: 3, ...over });

function insertDeployment(environmentId: number): void {
  const releaseId = sqlite
    .prepare(
      "INSERT INTO releases (service_id, version, commit_sha, change_log, rollback_plan, strategy, created_by, created_at, updated_at) VALUES (1, '1.0.0', 'abc123', 'log', 'plan', '{}', ?, 0, 0)",
    )
    .run(admin.id).lastInsertRowid;
  sqlite.prepare("INSERT INTO deployments (release_id, environment_id, status, created_at) VALUES (?, ?, 'succeeded', 0)").run(releaseId, environmentId);
}

describe("environment verbs refuse non-admin roles and write nothing", () => {
  const accounts = ["viewer@flightdeck.local", "captain@flightdeck.local", "oncall@flightdeck.local", "lead@flightdeck.local", "sentinel@flightdeck.local", "captain-sentinel@flightdeck.local"];
  const verbs: { verb: string; call: (a: Actor) => unknown }[] = [
    { verb: "createEnvironment", call: (a) => createEnvironment(a, qa()) },
    { verb: "updateEnvironment", call: (a) => updateEnvironment(a, update()) },
    { verb: "deleteEnvironment", call: (a) => deleteEnvironment(a, deleteInput.parse({ id: stagingId, rowVersion: 1 })) },
  ];
  it.each(verbs.flatMap((v) => accounts.map((email) => ({ ...v, email }))))("$verb by $email", async ({ call, email }) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => call(actorFor(db, email)), ForbiddenError);
    expect(err).toMatchObject({ permission: "environment.manage" });
  });
});

describe("createEnvironment", () => {
  it("inserts the environment and its audit event", () => {
    const before = lastAuditId(sqlite);
    const row = createEnvironment(admin, qa({ production: "on" }), "req-env");
    expect(findEnvironment(db, row.id)).toMatchObject({ name: "qa", description: "QA lab", production: true, sortOrder: 5, rowVersion: 1 });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "environment.create",
        actorId: admin.id,
        actorLabel: admin.email,
        roles: ["admin"],
        subjectType: "environment",
        subjectId: String(row.id),
        environment: "qa",
        requestId: "req-env",
        details: { name: "qa", description: "QA lab", production: true, sortOrder: 5 },
      }),
    ]);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it.each(["staging", "production"])("duplicate name %s -> ConflictError, nothing written", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createEnvironment(admin, qa({ name })), ConflictError, "already exists");
    expect(err).toMatchObject({ fieldErrors: { name: ["This name is taken."] } });
  });
});

describe("updateEnvironment", () => {
  it("updates, bumps rowVersion and audits before/after", () => {
    const before = lastAuditId(sqlite);
    const after = updateEnvironment(admin, update({ name: "stage" }), "req-u");
    expect(after).toMatchObject({ id: stagingId, name: "stage", description: "Renamed lab", sortOrder: 3, rowVersion: 2 });
    const [event, ...rest] = auditEvents(sqlite, before);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      action: "environment.update",
      actorId: admin.id,
      actorLabel: admin.email,
      subjectType: "environment",
      subjectId: String(stagingId),
      environment: "stage",
      requestId: "req-u",
      details: {
        before: { name: "staging", production: false, sortOrder: 0 },
        after: { name: "stage", description: "Renamed lab", production: false, sortOrder: 3 },
      },
    });
  });

  it("stale rowVersion -> ConflictError, nothing written", async () => {
    updateEnvironment(admin, update({ description: "first" }));
    await expectRefusedWithoutWrites(sqlite, () => updateEnvironment(admin, update({ description: "second" })), ConflictError, "Someone changed this environment");
    expect(findEnvironment(db, stagingId)!.description).toBe("first");
  });

  it("name taken by another environment -> ConflictError, nothing written", async () => {
    await expectRefusedWithoutWrites(sqlite, () => updateEnvironment(admin, update({ name: "production" })), ConflictError, "already exists");
  });

  it("unknown id -> NotFoundError", async () => {
    await expectRefusedWithoutWrites(sqlite, () => updateEnvironment(admin, update({ id: 404 })), NotFoundError);
  });
});

describe("deleteEnvironment", () => {
  it("deletes and audits", () => {
    const before = lastAuditId(sqlite);
    expect(deleteEnvironment(admin, { id: stagingId, rowVersion: 1 }, "req-del")).toEqual({ id: stagingId });
    expect(findEnvironment(db, stagingId)).toBeUndefined();
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "environment.delete",
        actorId: admin.id,
        actorLabel: admin.email,
        subjectType: "environment",
        subjectId: String(stagingId),
        environment: "staging",
        details: { name: "staging" },
        requestId: "req-del",
      }),
    ]);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it("stale rowVersion -> ConflictError, nothing written", async () => {
    updateEnvironment(admin, update());
    await expectRefusedWithoutWrites(sqlite, () => deleteEnvironment(admin, { id: stagingId, rowVersion: 1 }), ConflictError, "Someone changed this environment");
  });

  it("unknown id -> NotFoundError", async () => {
    await expectRefusedWithoutWrites(sqlite, () => deleteEnvironment(admin, { id: 31337, rowVersion: 1 }), NotFoundError);
  });

  it("an environment with deployments -> PreconditionError (not INTERNAL), nothing written", async () => {
    insertDeployment(productionId);
    const err = await expectRefusedWithoutWrites(sqlite, () => deleteEnvironment(admin, { id: productionId, rowVersion: 1 }), AppError);
    expect(err).toBeInstanceOf(PreconditionError);
    expect(err.message).toContain("has deployments");
  });
});
