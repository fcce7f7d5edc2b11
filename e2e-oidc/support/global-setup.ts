import { spawnSync } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import { DB_FILE, FLIGHTDECK_USERS, ROOT } from "./settings";

/**
 * Flightdeck's side of the single sign-on suite, on the fresh database scripts/e2e-server.mjs made
 * (webServer runs before this): the users the provider's accounts are matched against, created the
 * way an administrator does without demo mode (`npm run user:create`). No OIDC user ever signs in
 * with the password set here.
 */
export default function globalSetup(): void {
  for (const u of FLIGHTDECK_USERS) {
    const args = ["scripts/create-user.ts", "--email", u.email, "--name", u.name, ...u.roles.flatMap((r) => ["--role", r])];
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), args, {
      cwd: ROOT,
      env: { ...process.env, FLIGHTDECK_DB: DB_FILE, FLIGHTDECK_DEMO: "0", FLIGHTDECK_PASSWORD: "e2e-oidc-unused-password" },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`user:create ${u.email} failed (${r.status}): ${r.stderr}`);
  }
  // No command line disables an account (Settings -> Users does, audited); for this fixture a
  // direct update is enough: the server reads `disabled` from the database on every request.
  const db = new Database(DB_FILE);
  try {
    for (const u of FLIGHTDECK_USERS) if (u.disabled) db.prepare("UPDATE users SET disabled = 1 WHERE email = ?").run(u.email);
  } finally {
    db.close();
  }
}
