import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

process.env.FLIGHTDECK_DB = path.join(mkdtempSync(path.join(tmpdir(), "fd-chain-")), "c.db");
const { getDb, getSqlite } = await import("@/db/client");
const { writeTransaction } = await import("@/db/transaction");
const { recordAudit } = await import("@/lib/audit/record");
const { signAuditCheckpoint } = await import("@/lib/audit/checkpoint");
const { latestAuditCheck } = await import("@/db/queries/audit");
const { chainStatus, runFullAuditCheck } = await import("./chain-status");

const system = { kind: "system", label: "system" } as const;
const append = (n: number) => {
  for (let i = 0; i < n; i++) writeTransaction(getDb(), (tx) => recordAudit(tx, { actor: system, action: "system.seed", details: { i } }));
};
/** What an attacker with the file can do: drop the triggers, then edit. */
const tamper = (id: number) => {
  getSqlite().exec("DROP TRIGGER IF EXISTS audit_events_no_update");
  getSqlite().prepare("UPDATE audit_events SET details = '{\"forged\":true}' WHERE id = ?").run(id);
};

describe("audit badge status", () => {
  it("verifies every event now, and says when nothing is signed yet", async () => {
    append(5);
    expect(await chainStatus()).toMatchObject({ intact: true, checked: 5, warnings: [{ kind: "no_checkpoint" }] });
  });

  it("a new checkpoint is seen at once, with when it was signed", async () => {
    const t = Date.now();
    expect(signAuditCheckpoint(getDb(), getSqlite(), { now: t })).toMatchObject({ signed: true });
    expect(await chainStatus()).toMatchObject({ intact: true, checked: 5, warnings: [], checkpoint: { seq: 1, eventId: 5, at: t } });
  });

  it("an edit of an old, signed event shows at the next verification (at most 30 s later), never hidden by a stored flag", async () => {
    const now = Date.now();
    expect((await chainStatus(now)).intact).toBe(true);
    tamper(2);
    // A stored "intact" row must not matter: the badge does not read audit_checks.
    const later = await chainStatus(now + 31_000);
    expect(later).toMatchObject({ intact: false, findings: [{ kind: "edited", id: 2 }] });
    expect(later.lines[0]).toContain("edited event #2");
  });

  it("a new event triggers a new verification at once", async () => {
    append(1);
    expect(await chainStatus()).toMatchObject({ intact: false, checked: 6 });
  });

  it("the worker's full check keeps history naming the first finding", () => {
    const report = runFullAuditCheck();
    expect(report.intact).toBe(false);
    expect(latestAuditCheck(getDb())).toMatchObject({ intact: false, brokenId: 2 });
  });
});
