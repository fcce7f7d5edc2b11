// Shared helpers of the plain start / test scripts (no TypeScript, no dependencies).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..");
export const bin = (name) => path.join(root, "node_modules", ".bin", name);

const TRUE = ["1", "true", "yes", "on"];

/** Demo mode is on for `npm start` unless NODE_ENV=production; FLIGHTDECK_DEMO decides when set. */
export function demoDefault(env = process.env) {
  if (env.FLIGHTDECK_DEMO !== undefined && env.FLIGHTDECK_DEMO !== "") return TRUE.includes(env.FLIGHTDECK_DEMO) ? "1" : "0";
  return env.NODE_ENV === "production" ? "0" : "1";
}

/** NEXTAUTH_SECRET from the environment, else a random one kept (mode 600) next to the database. */
export function authSecret(dbFile, env = process.env) {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  const file = path.join(path.dirname(dbFile), ".nextauth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const SOURCES = ["app", "components", "lib", "db/schema", "db/queries", "public", "next.config.js", "package.json", "postcss.config.mjs", "tsconfig.json"];

/** A build is needed when there is none or any source changed after it. */
export function buildIsStale() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}

export async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
