import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

process.env.FLIGHTDECK_DB = path.join(mkdtempSync(path.join(tmpdir(), "fd-chain-")), "c.db");
const { getDb, getSqlite } = await import("@/db/client");
const { writeTransaction } = await import("@/db/transaction");
const { recordAudit } = await import("@/lib/audit/record");
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
  it("without a stored full check, verifies everything now", () => {
    append(5);
    expect(chainStatus()).toMatchObject({ intact: true, checked: 5, fullCheckAt: null });
  });

  it("builds on the last full check and verifies only newer events", () => {
    append(3);
    expect(chainStatus()).toMatchObject({ intact: true, checked: 8 });
  });

  it("finds tampering among events newer than the last full check at once", () => {
    tamper(7);
    expect(chainStatus()).toMatchObject({ intact: false, broken: { id: 7 } });
  });

  it("older tampering shows from the next full check on, with the event named", () => {
    tamper(2);
    const report = runFullAuditCheck();
    expect(report.broken?.id).toBe(2);
    expect(chainStatus()).toMatchObject({ intact: false, broken: { id: 2 } });
  });
});
