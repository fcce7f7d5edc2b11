// Applies migrations; seeds demo data into a new database when demo mode is on (with runbook 000's
// mission-control beside the sample service); stores the Insights time facts of rollouts and
// releases that ended before they were stored.
// Usage: FLIGHTDECK_DB=... FLIGHTDECK_DEMO=1 tsx scripts/migrate.ts
import path from "node:path";
import { databasePath, openDatabase } from "@/db/connection";
import { seedDemo } from "@/db/seed";
import { seedRunbook000Demo } from "@/db/seed-runbook-000";
import { backfillTimeFacts } from "@/lib/services/insights/time-facts";

const demo = ["1", "true", "yes", "on"].includes(process.env.FLIGHTDECK_DEMO ?? "");
const file = databasePath();
const { db, sqlite } = openDatabase(file);
const seeded = demo ? await seedDemo(db) : false;
// Only into a database the demo seed just made: tests that seed do not pay for a git repository.
const runbook000 = seeded ? seedRunbook000Demo(db, path.dirname(file)) : null;
const backfilled = backfillTimeFacts(db, Date.now());
sqlite.close();
console.log(`database ready: ${file}${seeded ? " (demo data seeded)" : ""}`);
if (runbook000?.seeded) console.log(`runbook 000: mission-control seeded, its versions ${runbook000.commits.map((c) => c.tag).join(", ")} in ${runbook000.repo}`);
else if (runbook000) console.log(`runbook 000: mission-control not seeded: ${runbook000.reason}`);
if (backfilled.rollouts + backfilled.releases > 0) console.log(`insights: stored the time facts of ${backfilled.rollouts} finished rollouts and ${backfilled.releases} ended releases`);
