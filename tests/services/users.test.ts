import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findUserByEmail, findUserById, rolesOfUser } from "@/db/queries/users";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { createUserInput, resetPasswordInput, setDisabledInput, setRolesInput } from "@/lib/domain/catalog-inputs";
import { verifyPassword } from "@/lib/domain/password";
import type { Role } from "@/lib/domain/roles";
import { ConflictError, ForbiddenError, NotFoundError, PreconditionError } from "@/lib/errors";
import { createUser } from "@/lib/services/users/create-user";
import { resetPassword } from "@/lib/services/users/reset-password";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { setUserRoles } from "@/lib/services/users/set-user-roles";
import {
  actorFor,
  auditEvents,
  buildSeededTemplate,
  closeCurrentDb,
  expectRefusedWithoutWrites,
  insertUserWithRoles,
  lastAuditId,
  makeTempDir,
  snapshot,
  useFreshDb,
} from "../support/db";

// Outside demo mode: demo accounts exist in the database but cannot sign in (README).
process.env.FLIGHTDECK_DEMO = "0";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let admin: Actor;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  // Demo mode is off here: model the operator's own administrator as a real (non-demo) account.
  sqlite.prepare("UPDATE users SET demo = 0 WHERE email = 'admin@flightdeck.local'").run();
  admin = actorFor(db, "admin@flightdeck.local");
});
afterEach(() => closeCurrentDb());

const NON_ADMIN_ACCOUNTS = [
  "captain@flightdeck.local",
  "sentinel@flightdeck.local",
  "owner@flightdeck.local",
  "oncall@flightdeck.local",
  "security@flightdeck.local",
  "lead@flightdeck.local",
  "feature@flightdeck.local",
  "dev@flightdeck.local",
  "viewer@flightdeck.local",
  "captain-sentinel@flightdeck.local",
];

function userId(email: string): number {
  return findUserByEmail(db, email)!.id;
}

function expectChainIntact() {
  expect(verifyAuditChain(sqlite)).toMatchObject({ intact: true });
}

describe("user verbs refuse every non-admin role and write nothing", () => {
  const verbs: { verb: string; call: (actor: Actor) => unknown }[] = [
    { verb: "createUser", call: (a) => createUser(a, createUserInput.parse({ email: "new@example.com", name: "New", password: "long enough password", roles: ["admin"] })) },
    { verb: "setUserRoles", call: (a) => setUserRoles(a, setRolesInput.parse({ userId: a.id, roles: ["admin"] })) },
    { verb: "setUserDisabled", call: (a) => setUserDisabled(a, setDisabledInput.parse({ userId: userId("admin@flightdeck.local"), disabled: "on" })) },
    { verb: "resetPassword", call: (a) => resetPassword(a, resetPasswordInput.parse({ userId: userId("admin@flightdeck.local"), password: "attacker chosen pw" })) },
  ];
  const cases = verbs.flatMap((v) => NON_ADMIN_ACCOUNTS.map((email) => ({ ...v, email })));

  it.each(cases)("$verb by $email", async ({ call, email }) => {
    const actor = actorFor(db, email);
    const err = await expectRefusedWithoutWrites(sqlite, () => call(actor), ForbiddenError);
    expect(err).toMatchObject({ code: "FORBIDDEN", permission: "user.manage" });
  });

  it("an actor whose roles list is empty is refused too", async () => {
    const nobody = insertUserWithRoles(db, "nobody@example.com", []);
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(nobody, { userId: nobody.id, roles: ["admin"] }), ForbiddenError);
  });
});

describe("createUser", () => {
  it("creates the account, its roles and one audit event per change, in one transaction", async () => {
    const before = lastAuditId(sqlite);
    const input = createUserInput.parse({ email: "Pat@Example.COM", name: "Pat Ops", password: "correct horse battery", roles: ["oncall", "viewer"] });
    const result = await createUser(admin, input, "req-create-1");

    const user = findUserById(db, result.id)!;
    expect(result).toEqual({ id: user.id, email: "pat@example.com" });
    expect(user).toMatchObject({ email: "pat@example.com", name: "Pat Ops", disabled: false, demo: false });
    await expect(verifyPassword("correct horse battery", user.passwordHash)).resolves.toBe(true);
    expect(rolesOfUser(db, user.id)).toEqual(["oncall", "viewer"]);
    expect(sqlite.prepare("SELECT DISTINCT granted_by FROM user_roles WHERE user_id = ?").pluck().all(user.id)).toEqual([admin.id]);

    const events = auditEvents(sqlite, before);
    expect(events.map((e) => [e.action, e.details.role ?? null])).toEqual([
      ["user.create", null],
      ["role.grant", "oncall"],
      ["role.grant", "viewer"],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ actorId: admin.id, actorLabel: "admin@flightdeck.local", roles: ["admin"], subjectType: "user", subjectId: String(user.id), requestId: "req-create-1" });
    }
    expect(events[0]!.details).toEqual({ email: "pat@example.com", name: "Pat Ops", roles: ["oncall", "viewer"] });
    // Secrets never reach the audit log.
    expect(JSON.stringify(events)).not.toContain("correct horse");
    expect(JSON.stringify(events)).not.toContain("scrypt");
    expectChainIntact();
  });

  it("creates an account without roles (one event)", async () => {
    const before = lastAuditId(sqlite);
    const { id } = await createUser(admin, createUserInput.parse({ email: "plain@example.com", name: "Plain", password: "long enough password" }));
    expect(rolesOfUser(db, id)).toEqual([]);
    expect(auditEvents(sqlite, before).map((e) => e.action)).toEqual(["user.create"]);
  });

  it.each(["viewer@flightdeck.local", "VIEWER@Flightdeck.Local"])("duplicate email %s -> ConflictError, nothing written", async (email) => {
    const input = createUserInput.parse({ email, name: "Dup", password: "long enough password", roles: ["admin"] });
    const err = await expectRefusedWithoutWrites(sqlite, () => createUser(admin, input), ConflictError, "already exists");
    expect(err).toMatchObject({ code: "CONFLICT", fieldErrors: { email: ["This email is taken."] } });
  });
});

describe("setUserRoles", () => {
  it("makes the roles exactly the given set with one grant/revoke event each", () => {
    const viewer = userId("viewer@flightdeck.local");
    const before = lastAuditId(sqlite);
    const result = setUserRoles(admin, setRolesInput.parse({ userId: viewer, roles: ["developer", "oncall"] }), "req-roles");
    expect(result).toEqual({ granted: ["developer", "oncall"], revoked: ["viewer"] });
    expect(rolesOfUser(db, viewer)).toEqual(["developer", "oncall"]);
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => `${e.action}:${String(e.details.role)}`)).toEqual(["role.revoke:viewer", "role.grant:developer", "role.grant:oncall"]);
    for (const e of events) {
      expect(e).toMatchObject({ actorId: admin.id, actorLabel: admin.email, subjectType: "user", subjectId: String(viewer), requestId: "req-roles" });
      expect(e.details.email).toBe("viewer@flightdeck.local");
    }
    expectChainIntact();
  });

  it("no change -> no writes and no audit event", () => {
    const viewer = userId("viewer@flightdeck.local");
    const before = snapshot(sqlite);
    expect(setUserRoles(admin, { userId: viewer, roles: ["viewer"] })).toEqual({ granted: [], revoked: [] });
    expect(snapshot(sqlite)).toEqual(before);
  });

  it("unknown user -> NotFoundError, nothing written", async () => {
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(admin, { userId: 9999, roles: ["viewer"] }), NotFoundError);
  });

  it("the last administrator cannot drop admin, nothing written", async () => {
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(admin, { userId: admin.id, roles: ["viewer"] }), PreconditionError, "last administrator");
    expect(rolesOfUser(db, admin.id)).toEqual(["admin"]);
  });

  it("with a second admin, one may drop admin; then the other is the last", async () => {
    const second = insertUserWithRoles(db, "second-admin@example.com", ["admin"]);
    setUserRoles(admin, { userId: admin.id, roles: ["viewer"] });
    expect(rolesOfUser(db, admin.id)).toEqual(["viewer"]);
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(second, { userId: second.id, roles: [] }), PreconditionError, "last administrator");
  });

  it("a disabled admin does not count as a remaining administrator", async () => {
    const second = insertUserWithRoles(db, "second-admin@example.com", ["admin"]);
    setUserDisabled(admin, { userId: second.id, disabled: true });
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(admin, { userId: admin.id, roles: [] }), PreconditionError, "last administrator");
    // Revoking admin from the disabled one leaves the number of usable admins unchanged: allowed.
    expect(setUserRoles(admin, { userId: second.id, roles: [] })).toEqual({ granted: [], revoked: ["admin"] });
  });

  // With demo mode off, the seeded demo admin cannot sign in, so it must not count as the
  // administrator that remains (see report: countUsersWithRole counts demo accounts).
  it("outside demo mode, a demo admin does not count as a remaining administrator", async () => {
    sqlite.prepare("UPDATE users SET demo = 1 WHERE email = 'admin@flightdeck.local'").run();
    const real = insertUserWithRoles(db, "root@example.com", ["admin"]);
    await expectRefusedWithoutWrites(sqlite, () => setUserRoles(real, { userId: real.id, roles: [] }), PreconditionError, "last administrator");
  });
});

describe("setUserDisabled", () => {
  it("disables and re-enables an account, audited as user.disable / user.enable", () => {
    const dev = userId("dev@flightdeck.local");
    const before = lastAuditId(sqlite);
    expect(setUserDisabled(admin, { userId: dev, disabled: true }, "req-d")).toEqual({ changed: true });
    expect(findUserById(db, dev)!.disabled).toBe(true);
    expect(setUserDisabled(admin, { userId: dev, disabled: false }, "req-e")).toEqual({ changed: true });
    expect(findUserById(db, dev)!.disabled).toBe(false);
    const events = auditEvents(sqlite, before);
    expect(events.map((e) => [e.action, e.requestId])).toEqual([
      ["user.disable", "req-d"],
      ["user.enable", "req-e"],
    ]);
    for (const e of events) expect(e).toMatchObject({ actorId: admin.id, actorLabel: admin.email, subjectType: "user", subjectId: String(dev), details: { email: "dev@flightdeck.local" } });
    expectChainIntact();
  });

  it("no change -> {changed:false}, nothing written", () => {
    const dev = userId("dev@flightdeck.local");
    const before = snapshot(sqlite);
    expect(setUserDisabled(admin, { userId: dev, disabled: false })).toEqual({ changed: false });
    expect(snapshot(sqlite)).toEqual(before);
  });

  it("unknown user -> NotFoundError", async () => {
    await expectRefusedWithoutWrites(sqlite, () => setUserDisabled(admin, { userId: 4242, disabled: true }), NotFoundError);
  });

  it("an admin cannot disable their own account", async () => {
    await expectRefusedWithoutWrites(sqlite, () => setUserDisabled(admin, { userId: admin.id, disabled: true }), PreconditionError, "your own account");
  });

  it("the last enabled administrator cannot be disabled (stale actor of a concurrent request)", async () => {
    const second = insertUserWithRoles(db, "second-admin@example.com", ["admin"]);
    // `admin` loaded its roles, then lost admin in another request; `second` is now the last admin.
    setUserRoles(second, { userId: admin.id, roles: [] });
    await expectRefusedWithoutWrites(sqlite, () => setUserDisabled(admin, { userId: second.id, disabled: true }), PreconditionError, "last administrator");
  });

  it("with two admins, one may disable the other", () => {
    const second = insertUserWithRoles(db, "second-admin@example.com", ["admin"]);
    expect(setUserDisabled(admin, { userId: second.id, disabled: true })).toEqual({ changed: true });
  });
});

describe("resetPassword", () => {
  it("replaces the hash and audits without the secret", async () => {
    const dev = userId("dev@flightdeck.local");
    const oldHash = findUserById(db, dev)!.passwordHash;
    const before = lastAuditId(sqlite);
    await expect(resetPassword(admin, resetPasswordInput.parse({ userId: dev, password: "brand new password" }), "req-pw")).resolves.toEqual({ id: dev });
    const newHash = findUserById(db, dev)!.passwordHash;
    expect(newHash).not.toBe(oldHash);
    await expect(verifyPassword("brand new password", newHash)).resolves.toBe(true);
    await expect(verifyPassword("flightdeck-demo", newHash)).resolves.toBe(false);
    const events = auditEvents(sqlite, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "user.password_reset",
      actorId: admin.id,
      actorLabel: admin.email,
      roles: ["admin"],
      subjectType: "user",
      subjectId: String(dev),
      details: { email: "dev@flightdeck.local" },
      requestId: "req-pw",
    });
    expect(JSON.stringify(events)).not.toContain("brand new password");
    expectChainIntact();
  });

  it("unknown user -> NotFoundError, nothing written", async () => {
    await expectRefusedWithoutWrites(sqlite, () => resetPassword(admin, { userId: 777, password: "brand new password" }), NotFoundError);
  });
});

describe("roles recorded in audit events are the actor's roles", () => {
  it.each<{ roles: Role[] }>([{ roles: ["admin"] }, { roles: ["admin", "security"] }])("$roles", ({ roles }) => {
    const actor = insertUserWithRoles(db, "multi@example.com", roles);
    const before = lastAuditId(sqlite);
    setUserDisabled(actor, { userId: userId("dev@flightdeck.local"), disabled: true });
    expect(auditEvents(sqlite, before)[0]!.roles).toEqual(roles);
  });
});
