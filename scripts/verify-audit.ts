// Verifies the audit hash chain. Exit 0 when intact, 1 when broken (naming the first broken event).
// Usage: npm run audit:verify [-- --json]
import { existsSync } from "node:fs";
import { databasePath, openDatabase } from "@/db/connection";
import { verifyAuditChain } from "@/lib/audit/verify";

const file = databasePath();
if (!existsSync(file)) {
  console.error(`no database at ${file} (set FLIGHTDECK_DB); nothing verified`);
  process.exit(2);
}
const { sqlite } = openDatabase(file);
const report = verifyAuditChain(sqlite);
sqlite.close();
if (process.argv.includes("--json")) console.log(JSON.stringify(report));
else if (report.intact) console.log(`audit chain intact: ${report.checked} events verified in ${report.millis.toFixed(0)} ms`);
else console.log(`audit chain BROKEN at event #${report.broken!.id}: ${report.broken!.reason} (${report.checked} events read)`);
process.exit(report.intact ? 0 : 1);
