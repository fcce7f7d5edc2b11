// Verifies the audit trail (REQUIREMENTS M2) and names every rewrite it finds: edited events,
// missing events, re-linked chains, a cut checkpoint file. Exit 0 when intact, 1 when not, 2 when
// there is nothing to verify.
// Usage:
//   npm run audit:verify                          the database ($FLIGHTDECK_DB) and its checkpoint file
//   npm run audit:verify -- --bundle FILE         an exported bundle, offline, without any database
//   ... [--public-key FILE]                       pin the key (PEM or raw base64url) instead of trusting the one found
//   ... [--json]                                  the report as JSON
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { type KeyObject, createPublicKey } from "node:crypto";
import { databasePath, openDatabase } from "@/db/connection";
import { verifyAuditBundle } from "@/lib/audit/bundle";
import { type TrailVerification, verifyAuditTrail } from "@/lib/audit/verify";
import { publicKeyFromRaw } from "@/lib/domain/audit-checkpoint";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function pinnedKey(): KeyObject | undefined {
  const file = option("--public-key");
  if (!file) return undefined;
  const text = readFileSync(file, "utf8").trim();
  return text.startsWith("-----") ? createPublicKey(text) : publicKeyFromRaw(text);
}

function print(r: TrailVerification, what: string): void {
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(r));
    return;
  }
  const signed = r.checkpoint ? `, checkpoint ${r.checkpoint.seq} signed ${new Date(r.checkpoint.at).toISOString()} covers up to #${r.checkpoint.eventId}` : "";
  const key = r.keyId ? ` (key ${r.keyId})` : "";
  console.log(`${what}: ${r.intact ? "INTACT" : "TAMPERED"} — ${r.checked} events verified in ${r.millis.toFixed(0)} ms${signed}${key}`);
  for (const line of r.lines) console.log(`  - ${line}`);
}

const bundle = option("--bundle");
const publicKey = pinnedKey();
let report: TrailVerification;
if (bundle) {
  if (!existsSync(bundle)) {
    console.error(`no bundle at ${bundle}; nothing verified`);
    process.exit(2);
  }
  report = await verifyAuditBundle(createReadStream(bundle), { publicKey });
  print(report, `audit bundle ${bundle}`);
} else {
  const file = databasePath();
  if (!existsSync(file)) {
    console.error(`no database at ${file} (set FLIGHTDECK_DB); nothing verified`);
    process.exit(2);
  }
  const { db, sqlite } = openDatabase(file);
  report = verifyAuditTrail(db, sqlite, { publicKey });
  sqlite.close();
  print(report, "audit trail");
}
process.exit(report.intact ? 0 : 1);
