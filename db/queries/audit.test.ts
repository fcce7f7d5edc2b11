import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { recordAudit } from "@/lib/audit/record";
import { openDatabase } from "../connection";
import { writeTransaction } from "../transaction";
import { listAuditEvents } from "./audit";

describe("audit time filters (id ranges over a monotonic created_at)", () => {
  const { db } = openDatabase(path.join(mkdtempSync(path.join(tmpdir(), "fd-auditq-")), "a.db"));
  const system = { kind: "system", label: "system" } as const;
  // 10 events at t = 1000, 2000, ... 10000; one written "late" with an earlier clock.
  for (let i = 1; i <= 10; i++) writeTransaction(db, (tx) => recordAudit(tx, { actor: system, action: "system.seed", details: { i }, at: i * 1000 }));
  writeTransaction(db, (tx) => recordAudit(tx, { actor: system, action: "system.seed", details: { late: true }, at: 500 }));
  const times = (f: { from?: number; to?: number }) => listAuditEvents(db, f, { limit: 100 }).events.map((e) => e.createdAt);

  it("a clock running behind never moves an event before its predecessor", () => {
    expect(times({}).slice(0, 2)).toEqual([10_000, 10_000]);
  });

  it.each([
    [{ from: 3000, to: 5000 }, [5000, 4000, 3000]],
    [{ from: 3500, to: 5500 }, [5000, 4000]],
    [{ from: 9500 }, [10_000, 10_000]],
    [{ to: 1000 }, [1000]],
    [{ from: 20_000 }, []],
    [{ to: 10 }, []],
    [{ from: 6000, to: 5000 }, []],
  ])("%o", (filter, expected) => {
    expect(times(filter)).toEqual(expected);
  });

  it("combines with paging and other filters", () => {
    const page = listAuditEvents(db, { from: 2000, to: 9000, action: "system.seed" }, { limit: 3 });
    expect(page.events.map((e) => e.createdAt)).toEqual([9000, 8000, 7000]);
    expect(listAuditEvents(db, { from: 2000, to: 9000 }, { limit: 3, before: page.nextBefore }).events.map((e) => e.createdAt)).toEqual([6000, 5000, 4000]);
  });
});
