import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { findServiceByName } from "@/db/queries/catalog";
import type { Db } from "@/db/connection";
import { listStepHooks } from "@/db/queries/hooks";
import { HOOK_MESSAGES } from "@/lib/domain/hooks/step-hooks";
import { URL_MESSAGES } from "@/lib/domain/notifications/channels";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "@/lib/errors";
import { createStepHook } from "@/lib/services/hooks/create-step-hook";
import { deleteStepHook } from "@/lib/services/hooks/delete-step-hook";
import { updateStepHook } from "@/lib/services/hooks/update-step-hook";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId } from "../support/db";
import { DEMO, NOW, freshSeededDbPerTest } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const admin = () => actorFor(db, DEMO("admin"));
const SECRET_URL = "https://ci.example.com/hooks/T01/s3cr3tT0k3n";
const form = (over: Record<string, unknown> = {}) => ({ serviceId: findServiceByName(db, "sample-api")!.id, name: "load-test", stage: "per_step", url: SECRET_URL, ...over });

describe("step hooks in service settings (issue 12 item 6)", () => {
  it("an admin adds, edits and removes a hook; each change audited with the URL masked, never in full", () => {
    const before = lastAuditId(sqlite);
    const created = createStepHook(admin(), form({ retries: "2", retryDelaySeconds: "3", timeoutSeconds: "30", body: '{"w": {{weight}}}' }), undefined, NOW);
    expect(created.url).toBe("https://ci.example.com/…0k3n");
    const [row] = listStepHooks(db, form().serviceId);
    expect(row).toMatchObject({ name: "load-test", stage: "per_step", method: "POST", url: SECRET_URL, bodyTemplate: '{"w": {{weight}}}', timeoutMs: 30_000, retries: 2, retryDelayMs: 3_000, enabled: true, rowVersion: 1 });

    // URL left empty: kept; the hook switched off.
    updateStepHook(admin(), { ...form({ url: "", name: "load", stage: "pre_promotion", method: "GET", body: "" }), id: row!.id, rowVersion: 1 }, undefined, NOW + 1);
    expect(listStepHooks(db, form().serviceId)[0]).toMatchObject({ name: "load", stage: "pre_promotion", method: "GET", url: SECRET_URL, bodyTemplate: null, enabled: false, rowVersion: 2 });
    deleteStepHook(admin(), { id: row!.id }, undefined, NOW + 2);
    expect(listStepHooks(db, form().serviceId)).toEqual([]);

    const trail = auditEvents(sqlite, before);
    expect(trail.map((e) => [e.action, e.subjectType, e.details.hookId])).toEqual([
      ["hook.create", "service", row!.id],
      ["hook.update", "service", row!.id],
      ["hook.delete", "service", row!.id],
    ]);
    expect(trail[0]!.details).toMatchObject({ name: "load-test", stage: "per_step", url: "https://ci.example.com/…0k3n", retries: 2, timeoutMs: 30_000 });
    expect(trail[1]!.details).toMatchObject({ urlReplaced: false, before: { enabled: true }, after: { enabled: false, method: "GET" } });
    const text = sqlite.prepare("SELECT group_concat(details, ' ') FROM audit_events").pluck().get() as string;
    expect(text).not.toContain("s3cr3tT0k3n");
    expect(text).not.toContain("/hooks/T01");
  });

  it.each([
    [{ url: "ftp://ci.example.com/x" }, "url", URL_MESSAGES.scheme],
    [{ body: '{"flag": "{{flag}}"}' }, "body", /^Unknown variable \{\{flag\}\}: the body can use \{\{service\}\}/],
    [{ timeoutSeconds: "600" }, "timeoutSeconds", HOOK_MESSAGES.timeout],
    [{ retries: "9" }, "retries", HOOK_MESSAGES.retries],
  ])("%o is refused with the field's own message; nothing changes", async (over, field, message) => {
    const error = (await expectRefusedWithoutWrites(sqlite, () => createStepHook(admin(), form(over), undefined, NOW), InvalidError)) as InvalidError;
    expect(error.fieldErrors?.[field]?.[0]).toMatch(message);
  });

  it("a second hook with the same name on the service is a conflict; unknown ids are 404", async () => {
    createStepHook(admin(), form(), undefined, NOW);
    const error = (await expectRefusedWithoutWrites(sqlite, () => createStepHook(admin(), form({ stage: "pre_rollout" }), undefined, NOW), ConflictError)) as ConflictError;
    expect(error.fieldErrors).toEqual({ name: [HOOK_MESSAGES.nameTaken("load-test")] });
    await expectRefusedWithoutWrites(sqlite, () => createStepHook(admin(), form({ serviceId: 9999 }), undefined, NOW), NotFoundError);
    await expectRefusedWithoutWrites(sqlite, () => updateStepHook(admin(), { ...form(), id: 9999, rowVersion: 1 }, undefined, NOW), NotFoundError);
    await expectRefusedWithoutWrites(sqlite, () => deleteStepHook(admin(), { id: 9999 }, undefined, NOW), NotFoundError);
  });

  it("a stale form is a conflict, not a silent overwrite", async () => {
    const { id } = createStepHook(admin(), form(), undefined, NOW);
    updateStepHook(admin(), { ...form({ url: "" }), id, rowVersion: 1, enabled: "on" }, undefined, NOW);
    await expectRefusedWithoutWrites(sqlite, () => updateStepHook(admin(), { ...form({ url: "" }), id, rowVersion: 1 }, undefined, NOW), ConflictError);
  });

  it("only admins define hooks (an outgoing call), not captains or developers", async () => {
    for (const name of ["captain", "dev", "oncall"]) {
      await expectRefusedWithoutWrites(sqlite, () => createStepHook(actorFor(db, DEMO(name)), form(), undefined, NOW), ForbiddenError);
    }
    const { id } = createStepHook(admin(), form(), undefined, NOW);
    await expectRefusedWithoutWrites(sqlite, () => deleteStepHook(actorFor(db, DEMO("captain")), { id }, undefined, NOW), ForbiddenError);
  });
});
