import type Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listEnvironments } from "@/db/queries/catalog";
import { openApiJson } from "@/lib/api/openapi";
import { OPERATIONS } from "@/lib/api/spec";
import type { OperationSpec } from "@/lib/api/operation-spec";
import { resetRefusalCap } from "@/lib/audit/refusal";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { can } from "@/lib/domain/permissions";
import { REFUSAL_CAP } from "@/lib/domain/refusal-cap";
import { ROLES, type Role } from "@/lib/domain/roles";
import { TOKEN_SCOPES, scopesGrant } from "@/lib/domain/token-scopes";
import { ROLE_ACCOUNTS } from "../../e2e/support/accounts";
import { type OpenApiDoc, SchemaValidator, answerProblems, documentedOperations } from "../../e2e-api/support/openapi-schemas";
import { OPERATION_CASES } from "../../e2e-api/support/operation-cases";
import { buildSeededTemplate, closeCurrentDb, makeTempDir, useFreshDb } from "../support/db";
import { InProcessApi, answerOf, invoke, roleUsers, tokenFor } from "./support/in-process";

// The session cookie is next-auth's (the external boundary, doubled: nobody is signed in here).
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

/**
 * The authorization matrix (issue 11), generated from the permission table and OPERATIONS:
 * every operation x every role (a user holding just that role) x {no token, expired, revoked,
 * out of scope, another environment (operations on one environment), a token with every scope}.
 * Expected: 401 for the first three; 403 FORBIDDEN out of scope, for another environment, and
 * wherever the role (or, for approvals, being a token at all) does not allow the operation;
 * otherwise the call is not refused by authorization (any answer but 401 / 403 FORBIDDEN: a
 * policy block is 403 BLOCKED). Requests are built by the operation cases
 * (e2e-api/support/operation-cases.ts) from the current state, so they reach the checks that
 * come after authentication (e.g. the environment of the rollout). A refused call writes
 * nothing but its one audit event (authz.denied for a 403, action.refused for a 401). Every
 * answer is also checked against the OpenAPI document (status, headers, media type, body).
 */

type Kind = "none" | "expired" | "revoked" | "outOfScope" | "otherEnvironment" | "allScopes";
type Expected = 401 | 403 | "allowed";

const doc = JSON.parse(openApiJson()) as OpenApiDoc;
const validator = new SchemaValidator(doc);
const documented = new Map(documentedOperations(doc).map((d) => [d.op.operationId, d.op]));

const tmp = makeTempDir();
let sqlite: Database.Database;
let api: InProcessApi;
let users: Record<Role, Actor>;
let environments: string[] = [];
const tokens = new Map<string, string>();
const savedRateLimit = process.env.FLIGHTDECK_API_RATE_LIMIT;

beforeAll(async () => {
  const template = await buildSeededTemplate(tmp.dir);
  const fresh = useFreshDb(tmp.dir, template);
  sqlite = fresh.sqlite;
  // Thousands of refusals in a minute: each must get its own audit event here (no summary).
  resetRefusalCap(fresh.db, { ...REFUSAL_CAP, limit: 1_000_000 });
  process.env.FLIGHTDECK_API_RATE_LIMIT = "1000000/1";
  users = roleUsers(fresh.db);
  api = new InProcessApi(users);
  environments = listEnvironments(fresh.db).map((e) => e.name);
}, 120_000);
afterAll(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
  tmp.cleanup();
  if (savedRateLimit === undefined) delete process.env.FLIGHTDECK_API_RATE_LIMIT;
  else process.env.FLIGHTDECK_API_RATE_LIMIT = savedRateLimit;
});

/** One token per role and kind (and scope or environment), made once. */
function token(role: Role, kind: Exclude<Kind, "none">, spec: OperationSpec, environment?: string): string {
  const scopeLeftOut = TOKEN_SCOPES.find((s) => scopesGrant([s], spec.permission));
  const other = environments.find((e) => e !== environment)!;
  const key = `${role}:${kind}:${kind === "outOfScope" ? scopeLeftOut : kind === "otherEnvironment" ? other : ""}`;
  let t = tokens.get(key);
  if (!t) {
    const owner = users[role];
    if (kind === "allScopes") t = api.tokenOf(role);
    else if (kind === "expired") t = tokenFor(owner, { expired: true });
    else if (kind === "revoked") t = tokenFor(owner, { revoked: true });
    else if (kind === "otherEnvironment") t = tokenFor(owner, { environment: other });
    // Every scope but the one that lists the operation's verb (approvals: no scope lists them).
    else t = tokenFor(owner, { scopes: TOKEN_SCOPES.filter((s) => s !== scopeLeftOut) });
    tokens.set(key, t);
  }
  return t;
}

function expected(role: Role, kind: Kind, spec: OperationSpec): Expected {
  if (kind === "none" || kind === "expired" || kind === "revoked") return 401;
  if (kind === "outOfScope" || kind === "otherEnvironment") return 403;
  return can([role], spec.permission) && scopesGrant(TOKEN_SCOPES, spec.permission) ? "allowed" : 403;
}

const kindsOf = (spec: OperationSpec): Kind[] => ["none", "expired", "revoked", "outOfScope", ...(spec.environment ? (["otherEnvironment"] as const) : []), "allScopes"];

const count = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
const changes = () => count("SELECT total_changes()");
const lastAudit = () => count("SELECT coalesce(max(id), 0) FROM audit_events");

interface Cell {
  operation: string;
  role: Role;
  kind: Kind;
  expected: Expected;
  status: number;
  code?: string;
}

/**
 * No worker runs here: a rollback it would finish in seconds would block every later rollback
 * request in that environment. Test setup only: what the worker ends with, a rolled-back rollout.
 */
const finishRollbacks = () =>
  sqlite.prepare("UPDATE rollouts SET status = 'rolled_back', weight = 0, finished_at = ?, row_version = row_version + 1 WHERE status = 'rolling_back'").run(Date.now());

const acceptedStatuses = (spec: OperationSpec) => OPERATION_CASES[spec.id]!.accept ?? Object.keys(spec.responses).map(Number);

async function runCell(spec: OperationSpec, role: Role, kind: Kind): Promise<{ cell: Cell; problems: string[] }> {
  finishRollbacks();
  const prepared = await OPERATION_CASES[spec.id]!.prepare(api, ROLE_ACCOUNTS.find((a) => a.role === role)!.key);
  const want = expected(role, kind, spec);
  const secret = kind === "none" ? undefined : token(role, kind, spec, prepared.environment);
  const beforeChanges = changes();
  const beforeAudit = lastAudit();
  const res = await invoke(spec.method, prepared.path, { token: secret, body: prepared.body, headers: prepared.headers });
  const answer = await answerOf(res);
  const code = (answer.body as { code?: string } | undefined)?.code;
  const cell: Cell = { operation: spec.id, role, kind, expected: want, status: answer.status, code };
  const what = `${spec.id} as ${role} with ${kind}`;
  // Every answer, refusals included, is one the OpenAPI document gives for this operation.
  const problems = answerProblems(documented.get(spec.id)!, answer, validator).map((p) => `${what}: ${p}`);
  const refusedByAuthz = answer.status === 401 || (answer.status === 403 && code === "FORBIDDEN");
  if (want === "allowed") {
    if (refusedByAuthz) problems.push(`${what}: refused (${answer.status} ${code}) but the role and scopes allow it`);
    // The request is a valid one: answered as the case documents (not a 400 of a stale builder).
    else if (!acceptedStatuses(spec).includes(answer.status)) problems.push(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    if (prepared.cleanup) await prepared.cleanup(answer);
    return { cell, problems };
  }
  if (answer.status !== want || (want === 403 && code !== "FORBIDDEN")) problems.push(`${what}: expected ${want}${want === 403 ? " FORBIDDEN" : ""}, got ${answer.status} ${code ?? ""}`);
  // Nothing written but the refusal's one audit event.
  const events = sqlite.prepare("SELECT action FROM audit_events WHERE id > ?").pluck().all(beforeAudit) as string[];
  const action = want === 401 ? "action.refused" : "authz.denied";
  if (events.length !== 1 || events[0] !== action) problems.push(`${what}: audit events ${JSON.stringify(events)}, expected ["${action}"]`);
  if (changes() - beforeChanges !== events.length) problems.push(`${what}: ${changes() - beforeChanges} rows written for ${events.length} audit events`);
  if (prepared.cleanup) await prepared.cleanup(answer);
  return { cell, problems };
}

describe("authorization matrix: every operation x every role x every kind of token", () => {
  it("every operation has its matrix entry (a request builder in the operation cases)", () => {
    const missing = OPERATIONS.filter((op) => !OPERATION_CASES[op.id]).map((op) => op.id);
    expect(missing, "operations without a case in e2e-api/support/operation-cases.ts").toEqual([]);
  });

  for (const spec of OPERATIONS) {
    it(`${spec.id} (${spec.method} ${spec.path}, ${spec.permission})`, async () => {
      expect(OPERATION_CASES[spec.id], `no case for ${spec.id}`).toBeDefined();
      const problems: string[] = [];
      const cells: Cell[] = [];
      for (const role of ROLES) {
        for (const kind of kindsOf(spec)) {
          const r = await runCell(spec, role, kind);
          cells.push(r.cell);
          problems.push(...r.problems);
        }
      }
      expect(problems).toEqual([]);
      // The matrix is complete for this operation: every role, every kind.
      expect(cells).toHaveLength(ROLES.length * kindsOf(spec).length);
    });
  }
});
