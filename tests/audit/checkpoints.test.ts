import { spawn } from "node:child_process";
import { copyFileSync, createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import { type Db, openDatabase } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import { auditBundleLines, verifyAuditBundle } from "@/lib/audit/bundle";
import { signAuditCheckpoint } from "@/lib/audit/checkpoint";
import { recordAudit } from "@/lib/audit/record";
import { loadSigningKey, readCheckpointLines, readLastCheckpointLine, trailFilesFor } from "@/lib/audit/trail-files";
import { verifyAuditTrail, verifyAuditTrailPaged } from "@/lib/audit/verify";
import { hashEvent } from "@/lib/domain/audit-chain";
import type { TrailFinding } from "@/lib/domain/audit-checkpoint";
import { storedChainedFields } from "../support/audit-rows";
import { makeTempDir } from "../support/db";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const tmp = makeTempDir("flightdeck-checkpoints-");
afterAll(() => tmp.cleanup());

const admin = { kind: "user" as const, id: 1, email: "admin@flightdeck.local", name: "Ada", roles: ["admin" as const] };
let t = Date.UTC(2026, 11, 1, 9);

function append(db: Db, count: number): void {
  for (let i = 0; i < count; i++) {
    writeTransaction(db, (tx) => recordAudit(tx, { actor: admin, action: "service.update", subjectType: "service", subjectId: i, details: { note: `change ${i}` }, at: (t += 1000) }));
  }
}

/**
 * The original: 30 events signed by three checkpoints (after #10, #20 and #30), in its own folder
 * with its key and checkpoint file. Each case works on a full copy of that folder.
 */
function original(): string {
  const dir = path.join(tmp.dir, "original");
  const file = path.join(dir, "flightdeck.db");
  const { db, sqlite } = openDatabase(file);
  for (let k = 0; k < 3; k++) {
    append(db, 10);
    expect(signAuditCheckpoint(db, sqlite, { now: t })).toMatchObject({ signed: true, checkpoint: { seq: k + 1, eventId: (k + 1) * 10 } });
  }
  expect(signAuditCheckpoint(db, sqlite, { now: t })).toMatchObject({ signed: false, reason: "up_to_date" });
  sqlite.close();
  return file;
}
const source = original();

let copies = 0;
function copy(): { file: string; db: Db; sqlite: Database.Database } {
  const dir = path.join(tmp.dir, `copy-${++copies}`);
  const from = trailFilesFor(source);
  const file = path.join(dir, "flightdeck.db");
  mkdirSync(dir);
  copyFileSync(source, file);
  const to = trailFilesFor(file);
  for (const k of ["checkpoints", "key", "publicKey"] as const) copyFileSync(from[k], to[k]);
  const { db, sqlite } = openDatabase(file);
  sqlite.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_events_no_replace;");
  return { file, db, sqlite };
}

/** What a careful attacker does after changing event `from`: recompute every later hash so the chain is consistent. */
function rehashFrom(sqlite: Database.Database, from: number): void {
  const ids = sqlite.prepare("SELECT id FROM audit_events WHERE id >= ? ORDER BY id").pluck().all(from) as number[];
  let prev = (sqlite.prepare("SELECT hash FROM audit_events WHERE id < ? ORDER BY id DESC LIMIT 1").pluck().get(from) as string | undefined) ?? "0".repeat(64);
  for (const id of ids) {
    const row = { ...storedChainedFields(sqlite, id), prevHash: prev };
    prev = hashEvent(row);
    sqlite.prepare("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?").run(row.prevHash, prev, id);
  }
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/verify-audit.ts", ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

type Case = { name: string; tamper: (c: ReturnType<typeof copy>) => void; finding: TrailFinding; says: string };

const cases: Case[] = [
  {
    name: "edit an event",
    tamper: ({ sqlite }) => sqlite.prepare("UPDATE audit_events SET details = ? WHERE id = 15").run('{"note":"nothing to see"}'),
    finding: { kind: "edited", id: 15 },
    says: "edited event #15",
  },
  {
    name: "delete a middle event",
    tamper: ({ sqlite }) => sqlite.prepare("DELETE FROM audit_events WHERE id = 15").run(),
    finding: { kind: "missing", from: 15, to: 15, checkpoint: 2 },
    says: "event #15 missing after checkpoint 2",
  },
  {
    name: "delete the newest events",
    tamper: ({ sqlite }) => sqlite.prepare("DELETE FROM audit_events WHERE id >= 28").run(),
    finding: { kind: "missing", from: 28, to: 30, checkpoint: 3, atEnd: true },
    says: "events #28..#30 missing after checkpoint 3 (deleted from the end",
  },
  {
    name: "truncate the table",
    tamper: ({ sqlite }) => sqlite.prepare("DELETE FROM audit_events").run(),
    finding: { kind: "missing", from: 1, to: 30, checkpoint: 1, atEnd: true },
    says: "events #1..#30 missing",
  },
  {
    name: "reorder two events",
    tamper: ({ sqlite }) => {
      sqlite.prepare("UPDATE audit_events SET id = -1 WHERE id = 12").run();
      sqlite.prepare("UPDATE audit_events SET id = 12 WHERE id = 13").run();
      sqlite.prepare("UPDATE audit_events SET id = 13 WHERE id = -1").run();
    },
    finding: { kind: "edited", id: 12 },
    says: "edited event #12",
  },
  {
    name: "insert a forged event in the middle (later ids shifted, every hash recomputed)",
    tamper: ({ sqlite }) => {
      for (const id of (sqlite.prepare("SELECT id FROM audit_events WHERE id >= 16 ORDER BY id DESC").pluck().all() as number[])) {
        sqlite.prepare("UPDATE audit_events SET id = id + 1 WHERE id = ?").run(id);
      }
      const forged = { ...storedChainedFields(sqlite, 15), id: 16, details: '{"note":"approved by the board"}' };
      sqlite.prepare(
        "INSERT INTO audit_events (id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(16, forged.createdAt, forged.actorId, forged.actorLabel, forged.roles, "approval.grant", forged.subjectType, forged.subjectId, forged.environment, forged.details, "forged", forged.prevHash, "x");
      rehashFrom(sqlite, 16);
    },
    finding: { kind: "relinked", from: 16, checkpoint: 2 },
    says: "chain re-linked from #16",
  },
  {
    name: "edit an event and re-chain from it",
    tamper: ({ sqlite }) => {
      sqlite.prepare("UPDATE audit_events SET actor_label = 'mallory@example.com' WHERE id = 8").run();
      rehashFrom(sqlite, 8);
    },
    finding: { kind: "relinked", from: 8, checkpoint: 1 },
    says: "chain re-linked from #8",
  },
  {
    name: "truncate the checkpoint file",
    tamper: ({ file }) => {
      const f = trailFilesFor(file).checkpoints;
      const lines = readCheckpointLines(f);
      writeFileSync(f, `${lines.slice(0, 1).join("\n")}\n`);
    },
    finding: { kind: "checkpoint_file_truncated", from: 2, to: 3 },
    says: "checkpoint file truncated: checkpoints 2..3",
  },
  {
    name: "cut the checkpoint file mid-line",
    tamper: ({ file }) => {
      const f = trailFilesFor(file).checkpoints;
      writeFileSync(f, readFileSync(f).subarray(0, statSync(f).size - 40));
    },
    finding: { kind: "checkpoint_invalid", line: 3, reason: "not a complete checkpoint (the file was cut short or corrupted)" },
    says: "checkpoint file line 3: not a complete checkpoint",
  },
  {
    name: "edit a checkpoint",
    tamper: ({ file }) => {
      const f = trailFilesFor(file).checkpoints;
      writeFileSync(f, readFileSync(f, "utf8").replace('"eventId":20', '"eventId":19'));
    },
    finding: { kind: "checkpoint_invalid", line: 2, reason: "checkpoint 2 has an invalid signature (edited after signing)" },
    says: "checkpoint 2 has an invalid signature",
  },
];

describe("signed checkpoints name every rewrite a database attacker can make", () => {
  it("the untouched trail verifies, by the library and the CLI", async () => {
    const c = copy();
    const r = verifyAuditTrail(c.db, c.sqlite);
    expect(r).toMatchObject({ intact: true, checked: 30, findings: [], warnings: [], checkpoint: { seq: 3, eventId: 30 } });
    c.sqlite.close();
    const { code, out } = await cli([], { FLIGHTDECK_DB: c.file });
    expect(out).toContain("audit trail: INTACT — 30 events verified");
    expect(out).toContain("checkpoint 3 signed");
    expect(code).toBe(0);
  });

  it.each(cases)("$name -> named by the library, the badge's paged run and the CLI (exit 1)", async ({ tamper, finding, says }) => {
    const c = copy();
    tamper(c);
    const r = verifyAuditTrail(c.db, c.sqlite);
    expect(r.intact).toBe(false);
    expect(r.findings).toContainEqual(finding);
    // The Audit badge (chainStatus) runs the paged verification: small pages cross every boundary.
    const badge = await verifyAuditTrailPaged(c.db, c.sqlite, {}, 7);
    expect(badge.findings).toEqual(r.findings);
    expect(badge.lines.join("\n")).toContain(says);
    c.sqlite.close();
    const { code, out } = await cli([], { FLIGHTDECK_DB: c.file });
    expect(out).toContain("TAMPERED");
    expect(out).toContain(says);
    expect(code).toBe(1);
  });

  it("a deleted, signed event's id is never handed out again, and the signer refuses to bless the gap", () => {
    const c = copy();
    c.sqlite.prepare("DELETE FROM audit_events WHERE id = 30").run();
    append(c.db, 1);
    expect(c.sqlite.prepare("SELECT max(id) FROM audit_events").pluck().get()).toBe(31);
    const r = verifyAuditTrail(c.db, c.sqlite);
    expect(r.findings).toContainEqual({ kind: "missing", from: 30, to: 30, checkpoint: 3, relinked: true });
    expect(signAuditCheckpoint(c.db, c.sqlite)).toMatchObject({ signed: false, reason: "chain_broken" });
    c.sqlite.close();
  });

  it("events not yet signed are a warning once they are older than a checkpoint interval, not a break", () => {
    const c = copy();
    append(c.db, 2);
    expect(verifyAuditTrail(c.db, c.sqlite, { now: t })).toMatchObject({ intact: true, warnings: [] });
    const later = verifyAuditTrail(c.db, c.sqlite, { now: t + 10 * 60_000 });
    expect(later).toMatchObject({ intact: true, warnings: [{ kind: "uncovered", from: 31, to: 32 }] });
    expect(signAuditCheckpoint(c.db, c.sqlite, { now: t })).toMatchObject({ signed: true, checkpoint: { seq: 4, eventId: 32 } });
    expect(verifyAuditTrail(c.db, c.sqlite, { now: t + 10 * 60_000 })).toMatchObject({ intact: true, warnings: [], checkpoint: { seq: 4 } });
    c.sqlite.close();
  });

  it("a checkpoint signed by another key is refused when the auditor pins theirs", async () => {
    const c = copy();
    c.sqlite.close();
    const other = path.join(tmp.dir, "other.pub");
    const { generateKeyPairSync } = await import("node:crypto");
    writeFileSync(other, generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }));
    const { code, out } = await cli(["--public-key", other], { FLIGHTDECK_DB: c.file });
    expect(out).toContain("is signed by another key");
    expect(code).toBe(1);
  });
});

describe("reading the newest checkpoint without reading the whole file", () => {
  it("finds the last line of an empty, a one-line, a torn and a multi-chunk file", () => {
    const f = path.join(tmp.dir, "lines.jsonl");
    writeFileSync(f, "");
    expect(readLastCheckpointLine(f)).toBeUndefined();
    expect(readLastCheckpointLine(path.join(tmp.dir, "absent.jsonl"))).toBeUndefined();
    writeFileSync(f, "one\n");
    expect(readLastCheckpointLine(f)).toBe("one");
    writeFileSync(f, "one\ntwo");
    expect(readLastCheckpointLine(f)).toBe("two");
    const long = "x".repeat(200_000);
    writeFileSync(f, `one\n${long}\n`);
    expect(readLastCheckpointLine(f)).toBe(long);
    writeFileSync(f, `${long}\n`);
    expect(readLastCheckpointLine(f)).toBe(long);
  });

  it("the signer refuses to continue a checkpoint file that is behind the database's record", () => {
    const c = copy();
    const f = trailFilesFor(c.file).checkpoints;
    writeFileSync(f, `${readCheckpointLines(f).slice(0, 2).join("\n")}\n`);
    append(c.db, 1);
    const r = signAuditCheckpoint(c.db, c.sqlite);
    expect(r).toMatchObject({ signed: false, reason: "file_damaged" });
    expect(!r.signed && r.detail).toContain("ends at checkpoint 2, the database records 3");
    c.sqlite.close();
  });
});

describe("offline bundle", () => {
  function exportBundle(): string {
    const c = copy();
    const files = trailFilesFor(c.file);
    const out = path.join(path.dirname(c.file), "bundle.ndjson");
    const text = [...auditBundleLines(c.sqlite, { checkpointLines: readCheckpointLines(files.checkpoints), key: loadSigningKey(files)!, now: t })].join("");
    writeFileSync(out, text);
    c.sqlite.close();
    return out;
  }

  it("verifies without any database, and fails when any one byte changes", async () => {
    const file = exportBundle();
    const ok = await verifyAuditBundle(createReadStream(file));
    expect(ok).toMatchObject({ intact: true, checked: 30, checkpoint: { seq: 3, eventId: 30 } });

    const bytes = readFileSync(file);
    // One position in each kind of line: header, a checkpoint, an event, the signed end line.
    const text = bytes.toString("utf8");
    const positions = [text.indexOf('"exportedAt"') + 14, text.indexOf('{"c"') + 30, text.indexOf('{"e"') + 40, text.indexOf('"sha256"') + 12];
    for (const at of positions) {
      const changed = Buffer.from(bytes);
      changed[at] = changed[at] === 0x31 ? 0x32 : 0x31;
      const r = await verifyAuditBundle([changed]);
      expect(r.intact, `byte ${at} changed: ${r.lines.join("; ")}`).toBe(false);
    }
    // Cut short, or a line added after the end.
    expect((await verifyAuditBundle([bytes.subarray(0, bytes.length - 10)])).intact).toBe(false);
    expect((await verifyAuditBundle([Buffer.concat([bytes, Buffer.from('{"e":[]}\n')])])).intact).toBe(false);
  });

  it("the CLI checks a bundle with --bundle: exit 0 untouched, 1 after one byte", async () => {
    const file = exportBundle();
    const good = await cli(["--bundle", file], { FLIGHTDECK_DB: path.join(tmp.dir, "nowhere", "none.db") });
    expect(good.out).toContain("INTACT — 30 events verified");
    expect(good.code).toBe(0);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('"service.update"') + 3;
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(file, bytes);
    const bad = await cli(["--bundle", file]);
    expect(bad.out).toContain("TAMPERED");
    expect(bad.code).toBe(1);
  });
});
