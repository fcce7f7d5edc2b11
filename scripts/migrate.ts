// Applies migrations; seeds demo data into a new database when demo mode is on.
// Usage: FLIGHTDECK_DB=... FLIGHTDECK_DEMO=1 tsx scripts/migrate.ts
import { databasePath, openDatabase } from "@/db/connection";
import { seedDemo } from "@/db/seed";

const demo = ["1", "true", "yes", "on"].includes(process.env.FLIGHTDECK_DEMO ?? "");
const file = databasePath();
const { db, sqlite } = openDatabase(file);
const seeded = demo ? await seedDemo(db) : false;
sqlite.close();
console.log(`database ready: ${file}${seeded ? " (demo data seeded)" : ""}`);
