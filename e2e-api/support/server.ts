import { spawnSync } from "node:child_process";
import path from "node:path";

/** The API suite's server (playwright.api.config.ts): its URL and database, for the CLI and token creation. */
export const API_PORT = Number(process.env.E2E_API_PORT ?? 3200);
export const BASE_URL = `http://localhost:${API_PORT}`;
export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const DATA_DIR = path.resolve(ROOT, process.env.E2E_API_DATA_DIR ?? "data/e2e-api");
export const DB_FILE = path.join(DATA_DIR, "flightdeck-e2e.db");

/**
 * A fresh API token for a demo account, made by `npm run token:create` on the suite's database
 * (the same service as Settings -> API tokens; demo mode, as the server runs). Returns the secret.
 */
export function createToken(email: string, opts: { scopes: readonly string[]; env?: string; days?: number; name?: string }): string {
  const args = ["--conditions=react-server", "scripts/create-token.ts", "--email", email, "--name", opts.name ?? `e2e-api ${Date.now()}`, "--scopes", opts.scopes.join(",")];
  if (opts.env) args.push("--env", opts.env);
  if (opts.days !== undefined) args.push("--days", String(opts.days));
  const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), args, { cwd: ROOT, env: { ...process.env, FLIGHTDECK_DB: DB_FILE, FLIGHTDECK_DEMO: "1" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`token:create failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}
