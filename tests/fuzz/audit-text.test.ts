import { afterAll, describe, expect, it } from "vitest";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { verifyAuditChain } from "@/lib/audit/verify";
import { canonicalJson } from "@/lib/domain/audit-chain";
import { auditEvents, closeCurrentDb, makeTempDir, useFreshDb } from "../support/db";

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

// Found by the fuzz test (issue 10): a sign-in with an e-mail holding lone UTF-16 surrogates wrote
// an event SQLite could only store with U+FFFD in their place, so the chain read as edited.
describe("audit events keep their hash whatever text they carry", () => {
  it("lone surrogates, NUL, RTL overrides and emoji in text columns: the chain stays intact", () => {
    const { db, sqlite } = useFreshDb(tmp.dir);
    try {
      const texts = ["\uD800", "a\uDFFFb", "\uD83D", "x\u0000y", "\u202Egnp.exe", "👩‍👩‍👧‍👦", "\uFEFF"];
      writeTransaction(db, (tx) => {
        for (const t of texts) {
          recordAudit(tx, { actor: { kind: "system", label: "system" }, action: "auth.sign_in_failed", subjectType: "account", subjectId: t, environment: t, requestId: t, details: { email: t, [t]: 1 } });
        }
      });
      expect(verifyAuditChain(sqlite)).toMatchObject({ intact: true, checked: texts.length });
      // Stored (and hashed) well-formed: each lone surrogate is one U+FFFD, everything else as sent.
      const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
      expect(auditEvents(sqlite).map((e) => e.subjectId)).toEqual(texts.map((t) => t.replace(lone, "\uFFFD")));
    } finally {
      closeCurrentDb();
    }
  });

  it("an own __proto__ key in details is kept as a key, never becomes a prototype", () => {
    const details = JSON.parse('{"__proto__": {"admin": true}, "b": 1}') as Record<string, unknown>;
    expect(canonicalJson(details)).toBe('{"__proto__":{"admin":true},"b":1}');
  });
});
