// Applies migrations; seeds demo data into a new database when demo mode is on; stores the
// Insights time facts of rollouts and releases that ended before they were stored.
// Usage: FLIGHTDECK_DB=... FLIGHTDECK_DEMO=1 tsx scripts/migrate.ts
import { databasePath, openDatabase } from "@/db/connection";
import { seedDemo } from "@/db/seed";
import { backfillTimeFacts } from "@/lib/services/insights/time-facts";

const demo = ["1", "true", "yes", "on"].includes(process.env.FLIGHTDECK_DEMO ?? "");
const file = databasePath();
const { db, sqlite } = openDatabase(file);
const seeded = demo ? await seedDemo(db) : false;
const backfilled = backfillTimeFacts(db, Date.now());
sqlite.close();
console.log(`database ready: ${file}${seeded ? " (demo data seeded)" : ""}`);
if (backfilled.rollouts + backfilled.releases > 0) console.log(`insights: stored the time facts of ${backfilled.rollouts} finished rollouts and ${backfilled.releases} ended releases`);
