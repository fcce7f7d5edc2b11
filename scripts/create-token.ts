// Creates an API token for an existing account (e.g. the first one, for CI), through the same
// service as Settings -> API tokens: the scopes the person's roles allow, audited as token.create.
// Usage: npm run -s token:create -- --email E --name N --scopes read,deploy [--env staging] [--days 30]
// The secret is printed once, alone on stdout (TOKEN=$(npm run -s token:create -- ...)); the rest goes to stderr.
import { parseArgs } from "node:util";
import { z } from "zod";
import { getDb, getSqlite } from "@/db/connection";
import { findUserByEmail } from "@/db/queries/users";
import { loadActor } from "@/lib/auth/load-actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { AppError } from "@/lib/errors";
import { createApiToken } from "@/lib/services/tokens/create-api-token";

const USAGE = "Usage: npm run -s token:create -- --email E --name N --scopes read,deploy [--env staging] [--days 30]";

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: { email: { type: "string" }, name: { type: "string" }, scopes: { type: "string" }, env: { type: "string" }, days: { type: "string" } },
  }));
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, 2);
}
if (!values.email) fail(`--email is required.\n${USAGE}`, 2);

const parsed = createTokenInput.safeParse({
  name: values.name,
  scopes: (values.scopes ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
  environment: values.env,
  expiresInDays: values.days,
});
if (!parsed.success) fail(`${z.prettifyError(parsed.error)}\n${USAGE}`, 2);

const user = findUserByEmail(getDb(), values.email.trim().toLowerCase());
if (!user) fail(`No account with email ${values.email}; create it first (npm run user:create).`, 1);
const state = loadActor(user.id);
if (state.status !== "ok") fail(`The account ${user.email} is disabled; an API token would not work.`, 1);

try {
  const token = createApiToken(state.actor, parsed.data, undefined, { source: "cli" });
  console.error(
    `Created API token #${token.id} "${token.name}" for ${user.email}: scopes ${token.scopes.join(", ")}, ` +
      `${token.environment ? `only ${token.environment}` : "any environment"}, expires ${new Date(token.expiresAt).toISOString()}.`,
  );
  console.error("Copy it now: it is shown only this once (Flightdeck keeps only its hash).");
  console.log(token.secret);
} catch (err) {
  if (!(err instanceof AppError)) throw err;
  const fields = Object.entries(err.fieldErrors ?? {}).map(([k, v]) => `  ${k}: ${v.join(" ")}`);
  fail([err.message, ...fields].join("\n"), err.code === "INVALID" ? 2 : 1);
} finally {
  getSqlite().close();
}
