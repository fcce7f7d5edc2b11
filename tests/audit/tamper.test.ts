import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import { openDatabase } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { AuditAction } from "@/lib/domain/audit-actions";
import { hashEvent } from "@/lib/domain/audit-chain";
import { storedChainedFields } from "../support/audit-rows";
import { makeTempDir } from "../support/db";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const tmp = makeTempDir("flightdeck-tamper-");
afterAll(() => tmp.cleanup());

let n = 0;
/** A new database file with `count` chained events (ids 1..count). */
function dbWithEvents(count: number): { sqlite: Database.Database; file: string } {
  const file = path.join(tmp.dir, `audit-${++n}.db`);
  const { db, sqlite } = openDatabase(file);
  const actions: AuditAction[] = ["service.create", "service.update", "environment.update", "role.grant", "auth.sign_in"];
  for (let i = 1; i <= count; i++) {
    writeTransaction(db, (tx) =>
      recordAudit(tx, {
        actor: { kind: "user", id: 1, email: "admin@flightdeck.local", name: "Ada", roles: ["admin"] },
        action: actions[i % actions.length]!,
        subjectType: "service",
        subjectId: i,
        environment: i % 2 ? "production" : "staging",
        details: { step: i, note: `event ${i}` },
      }),
    );
  }
  return { sqlite, file };
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

/** Starts one append-events child per label, releases them together once all are loaded. */
function startTogether(file: string, labels: string[], count: number): Promise<{ code: number | null; out: string }[]> {
  const children = labels.map((label) => spawn(tsx, ["tests/support/append-events.ts", String(count), label], { cwd: root, env: { ...process.env, FLIGHTDECK_DB: file }, stdio: ["pipe", "pipe", "pipe"] }));
  const outs = children.map(() => "");
  let released = false;
  const release = () => {
    if (released || !outs.every((o) => o.includes("ready"))) return;
    released = true;
    for (const c of children) c.stdin.write("go\n");
  };
  return Promise.all(
    children.map(
      (child, i) =>
        new Promise<{ code: number | null; out: string }>((resolve, reject) => {
          child.stdout.on("data", (d: Buffer) => {
            outs[i] += d.toString();
            release();
          });
          child.stderr.on("data", (d: Buffer) => (outs[i] += d.toString()));
          child.on("error", reject);
          child.on("close", (code) => resolve({ code, out: outs[i]! }));
        }),
    ),
  );
}

const verifyCli = (file: string) => run(tsx, ["scripts/verify-audit.ts"], { FLIGHTDECK_DB: file });

/** What an attacker with file access does first: remove the append-only triggers. */
function dropTriggers(sqlite: Database.Database): void {
  sqlite.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;");
}

describe("append-only triggers", () => {
  const { sqlite } = dbWithEvents(5);

  it.each([
    "UPDATE audit_events SET details = '{\"step\":99}' WHERE id = 3",
    "UPDATE audit_events SET actor_label = 'someone-else' WHERE id = 1",
    "UPDATE audit_events SET hash = hash",
    "DELETE FROM audit_events WHERE id = 5",
    "DELETE FROM audit_events",
  ])("rejects: %s", (sql) => {
    expect(() => sqlite.prepare(sql).run()).toThrow(/append-only/);
    expect(sqlite.prepare("SELECT count(*) FROM audit_events").pluck().get()).toBe(5);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  // REPLACE resolves the id conflict by deleting the old row, and SQLite does not fire DELETE
  // triggers for that unless recursive_triggers is on (see report). The row must stay as it was.
  it("INSERT OR REPLACE over an existing event is rejected", () => {
    const row = sqlite.prepare("SELECT * FROM audit_events WHERE id = 2").get() as Record<string, unknown>;
    const cols = Object.keys(row);
    const replace = sqlite.prepare(`INSERT OR REPLACE INTO audit_events (${cols.join(",")}) VALUES (${cols.map((c) => `@${c}`).join(",")})`);
    expect(() => replace.run({ ...row, details: '{"forged":true}' })).toThrow(/append-only/);
    expect(sqlite.prepare("SELECT details FROM audit_events WHERE id = 2").pluck().get()).toBe(row.details);
  });

  it("whatever happened above, the verifier tells the truth about event #2", () => {
    const details = sqlite.prepare("SELECT details FROM audit_events WHERE id = 2").pluck().get();
    const report = verifyAuditChain(sqlite);
    if (details === '{"forged":true}') expect(report).toMatchObject({ intact: false, broken: { id: 2 } });
    else expect(report.intact).toBe(true);
  });
});

describe("verify-audit CLI", () => {
  it("intact database -> exit 0 and 'intact'", async () => {
    const { sqlite, file } = dbWithEvents(20);
    sqlite.close();
    const { code, out } = await verifyCli(file);
    expect(out).toContain("audit trail: INTACT — 20 events verified");
    expect(code).toBe(0);
  });

  // A mistyped FLIGHTDECK_DB must not verify a brand-new empty database as "intact" (see report).
  it("missing database file -> non-zero exit, and no file is created", async () => {
    const file = path.join(tmp.dir, "no-such-dir", "typo.db");
    const { code } = await verifyCli(file);
    expect(code).not.toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("--json reports the same", async () => {
    const { sqlite, file } = dbWithEvents(3);
    sqlite.close();
    const { code, out } = await run(tsx, ["scripts/verify-audit.ts", "--json"], { FLIGHTDECK_DB: file });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ intact: true, checked: 3 });
  });

  it.each([1, 7, 20])("edited details of event #%i (triggers dropped) -> exit 1 naming it", async (id) => {
    const { sqlite, file } = dbWithEvents(20);
    dropTriggers(sqlite);
    sqlite.prepare("UPDATE audit_events SET details = ? WHERE id = ?").run('{"note":"nothing to see","step":0}', id);
    expect(verifyAuditChain(sqlite)).toMatchObject({ intact: false, broken: { id } });
    sqlite.close();
    const { code, out } = await verifyCli(file);
    expect(out).toContain("TAMPERED");
    expect(out).toContain(`edited event #${id}:`);
    expect(code).toBe(1);
  });

  it("edited row with its hash recomputed -> names the following event", async () => {
    const { sqlite, file } = dbWithEvents(10);
    dropTriggers(sqlite);
    const forged = { ...storedChainedFields(sqlite, 4), actorLabel: "mallory@example.com" };
    sqlite.prepare("UPDATE audit_events SET actor_label = ?, hash = ? WHERE id = 4").run(forged.actorLabel, hashEvent(forged));
    sqlite.close();
    const { code, out } = await verifyCli(file);
    expect(code).toBe(1);
    expect(out).toContain("event #5 does not follow event #4");
  });

  it("deleted row -> exit 1 naming the following event and the missing one", async () => {
    const { sqlite, file } = dbWithEvents(20);
    dropTriggers(sqlite);
    sqlite.prepare("DELETE FROM audit_events WHERE id = 12").run();
    sqlite.close();
    const { code, out } = await verifyCli(file);
    expect(out).toContain("TAMPERED");
    expect(out).toContain("event #12 missing");
    expect(code).toBe(1);
  });

  it("relinked prev hash -> exit 1 naming the relinked event", async () => {
    const { sqlite, file } = dbWithEvents(6);
    dropTriggers(sqlite);
    sqlite.prepare("UPDATE audit_events SET prev_hash = (SELECT hash FROM audit_events WHERE id = 1) WHERE id = 3").run();
    sqlite.close();
    const { code, out } = await verifyCli(file);
    // The prev hash is part of what the event's own hash covers.
    expect(out).toContain("edited event #3:");
    expect(code).toBe(1);
  });
});

describe("concurrent writers", () => {
  it("two processes appending 200 events each keep one intact chain with consecutive ids", async () => {
    const { sqlite, file } = dbWithEvents(1);
    sqlite.close();
    const results = await startTogether(file, ["A", "B"], 200);
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0 });

    const { sqlite: check } = openDatabase(file);
    const ids = check.prepare("SELECT id FROM audit_events ORDER BY id").pluck().all() as number[];
    expect(ids).toHaveLength(401);
    expect(ids).toEqual(Array.from({ length: 401 }, (_, i) => i + 1));
    const writers = check.prepare("SELECT subject_id FROM audit_events WHERE subject_type = 'writer' ORDER BY id").pluck().all() as string[];
    expect(writers.filter((w) => w === "A")).toHaveLength(200);
    expect(writers.filter((w) => w === "B")).toHaveLength(200);
    const switches = writers.filter((w, i) => i > 0 && w !== writers[i - 1]).length;
    // The writers really overlapped (otherwise this test proves nothing about concurrency).
    expect(switches, `writer switches: ${switches}`).toBeGreaterThan(1);
    expect(verifyAuditChain(check)).toMatchObject({ intact: true, checked: 401 });
    check.close();
    const { code, out } = await verifyCli(file);
    expect(code).toBe(0);
    expect(out).toContain("INTACT — 401 events");
  });
});
