import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import fc from "fast-check";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { setUserDisabled } from "@/db/queries/users";
import { flushRefusalSummaries, resetRefusalCap } from "@/lib/audit/refusal";
import { verifyAuditChain } from "@/lib/audit/verify";
import { authOptions } from "@/lib/auth/options";
import { can } from "@/lib/domain/permissions";
import { ROLES } from "@/lib/domain/roles";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";
import { actAs } from "../support/request-double";
import { edgeNumber, fieldValue, hostileString, hostileValue, jsonText, toFormData, wellFormedValue } from "./hostile";
import { type ActionTarget, type RouteTarget, actionTargets, routeTargets } from "./targets";

// The session, the request headers and Next's cache are the external boundary: doubled there,
// nothing of Flightdeck's own code is mocked (tests/support/request-double.ts).
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});
vi.mock("next/cache", async () => {
  const d = await import("../support/request-double");
  return { revalidatePath: d.revalidateDouble, revalidateTag: d.revalidateDouble };
});

/**
 * Issue 10 item 7: every server action (every export of every app/**\/actions.ts) and every route
 * handler under app/api, driven with generated hostile input as every role, a disabled account
 * and nobody. Asserted per call: no INTERNAL result and nothing thrown (server errors), nothing but
 * audit events written when the input is refused, and every refusal audited: one new event, or
 * counted by the refusal rate cap's summary. `npm test` runs FUZZ_RUNS (default 60) cases per
 * target, a few thousand in all; `FUZZ_RUNS=2000 npx vitest run tests/fuzz` runs more, FUZZ_SEED
 * replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261010);
/** Refusal events per actor and minute during the run: small enough that the cap's summaries are exercised. */
const CAP = { limit: 150, windowMs: 60_000 };

type ActorKey = (typeof ROLES)[number] | "disabled" | "anonymous";
/**
 * next-auth's own handler needs Next's request scope (it reads next/headers through require, out
 * of a double's reach); what Flightdeck runs behind it, the credentials `authorize`, is fuzzed directly.
 */
const NEXT_AUTH = "/api/auth/[...nextauth]";
const ACTOR_KEYS: ActorKey[] = [...ROLES, "disabled", "anonymous"];

const tmp = makeTempDir("flightdeck-fuzz-");
let db: Db;
let sqlite: Database.Database;
const userIds = new Map<ActorKey, number | null>();
let actions: ActionTarget[] = [];
let routes: RouteTarget[] = [];

interface Finding {
  target: string;
  actor: ActorKey;
  problem: string;
  input: string;
}

const counts = { cases: 0, refused: 0, accepted: 0, serverErrors: 0, thrown: 0, writesOnRefusal: 0, unaudited: 0, suppressed: 0, summarized: 0 };
const findings: Finding[] = [];
const invalidFields = new Map<string, number>();
const perTarget = new Map<string, { cases: number; refused: number; noEvent: number; codes: Record<string, number> }>();

/** A short, printable description of a generated input (for a finding). */
function describeInput(v: unknown, depth = 0): string {
  if (depth > 2) return "…";
  if (v instanceof FormData) return `FormData{${[...v.keys()].map((k) => describeInput(k, depth + 1)).join(",")}}`;
  if (typeof v === "string") return v.length > 40 ? `string(${v.length}) ${JSON.stringify(v.slice(0, 20))}…` : JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Date) return `Date(${v.getTime()})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (v instanceof Set) return `Set(${v.size})`;
  if (Array.isArray(v)) return `[${v.slice(0, 4).map((x) => describeInput(x, depth + 1)).join(",")}${v.length > 4 ? ",…" : ""}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).slice(0, 8).map((k) => `${describeInput(k, depth + 1)}:${describeInput((v as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`;
  return String(v);
}

/** The input's longer text values (not its field names): none may reappear in a refusal event. */
function inputTexts(input: unknown): string[] {
  const out: string[] = [];
  const keys = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 4 || out.length > 50) return;
    if (typeof v === "string") {
      if (v.length >= 16) out.push(v.slice(0, 200));
    } else if (v instanceof FormData) {
      for (const [k, x] of v.entries()) {
        keys.add(k);
        walk(typeof x === "string" ? x : x.name, depth + 1);
      }
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (v && typeof v === "object" && !(v instanceof Map) && !(v instanceof Set) && !(v instanceof Date)) {
      for (const k of Object.keys(v)) {
        keys.add(k);
        walk((v as Record<string, unknown>)[k], depth + 1);
      }
    }
  };
  walk(input, 0);
  // A value that is also a field name is a field name in the event; JSON-escaped text is compared as stored.
  return out.filter((v) => !keys.has(v) && !/^[\s]*$/.test(v)).map((v) => JSON.stringify(v).slice(1, -1)).filter((v) => v.length >= 16);
}

/**
 * Chat announcements of audit events (L2) are written with their event, refusals' too (a gate
 * block is announced): the outbox and its delivery jobs count as part of the trail here.
 */
const TRAIL_ROWS: Record<string, string> = { notification_messages: "0", jobs: "kind <> 'notification.deliver'" };

/** A checksum of every table except the audit ones: equal before and after means nothing was written. */
function checksum(except: string[] = []): string {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name NOT LIKE 'audit_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const hash = createHash("sha256");
  for (const t of tables) {
    if (except.includes(t)) continue;
    hash.update(t);
    for (const row of sqlite.prepare(`SELECT * FROM "${t}" WHERE ${TRAIL_ROWS[t] ?? "1"} ORDER BY rowid`).raw().iterate()) hash.update(JSON.stringify(row));
  }
  return hash.digest("hex");
}

/**
 * Runs one call and checks it. `outcome` says whether the request was refused and with which code;
 * a refusal must change nothing but the audit trail and add exactly one refusal event (or be
 * counted by the rate cap: then no event now, and its window's summary later).
 */
async function check(
  target: string,
  actor: ActorKey,
  input: unknown,
  call: () => Promise<{ refused: boolean; code: string; serverError: boolean }>,
  opts: { allowWrites?: string[] } = {},
) {
  const stats = perTarget.get(target) ?? { cases: 0, refused: 0, noEvent: 0, codes: {} };
  perTarget.set(target, stats);
  counts.cases += 1;
  stats.cases += 1;
  const before = checksum(opts.allowWrites);
  const lastId = lastAuditId(sqlite);
  const problem = (what: string) => findings.push({ target, actor, problem: what, input: describeInput(input) });
  let outcome: { refused: boolean; code: string; serverError: boolean };
  try {
    outcome = await call();
  } catch (err) {
    counts.thrown += 1;
    problem(`threw ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)}`);
    return;
  }
  stats.codes[outcome.code] = (stats.codes[outcome.code] ?? 0) + 1;
  if (outcome.serverError) {
    counts.serverErrors += 1;
    problem(`server error (${outcome.code})`);
    return;
  }
  if (!outcome.refused) {
    counts.accepted += 1;
    // M1 / DESIGN rule 6: an accepted call that changed state left an audit event with it.
    if (checksum(opts.allowWrites) !== before && lastAuditId(sqlite) === lastId) problem(`accepted (${outcome.code}) and changed state without an audit event`);
    return;
  }
  counts.refused += 1;
  stats.refused += 1;
  if (checksum(opts.allowWrites) !== before) {
    counts.writesOnRefusal += 1;
    problem(`refused (${outcome.code}) but wrote outside the audit trail`);
  }
  const added = auditEvents(sqlite, lastId);
  const own = added.filter((e) => e.action !== "audit.refusals_suppressed");
  counts.summarized += added.length - own.length;
  if (own.length > 1) problem(`refused (${outcome.code}) with ${own.length} audit events: ${own.map((e) => e.action).join(", ")}`);
  if (own.length === 0) {
    counts.suppressed += 1;
    stats.noEvent += 1;
  }
  const texts = inputTexts(input);
  for (const e of own) {
    // The event keeps field names, never the input's values: small whatever was sent.
    const text = JSON.stringify(e.details);
    if (text.length > 4000) problem(`refusal event ${e.action} carries ${text.length} characters of details`);
    if (e.action === "action.refused" || e.action === "authz.denied") {
      const leaked = texts.find((v) => text.includes(v));
      if (leaked) problem(`refusal event ${e.action} repeats an input value (${JSON.stringify(leaked.slice(0, 40))})`);
    }
  }
}

const actorArb = fc.constantFrom(...ACTOR_KEYS);

/** Actions whose input is a free-form record validated inside the service (so a refusal is audited there): the service's fields. */
const SERVICE_FIELDS: Record<string, string[]> = {
  "override.create": ["action", "environment", "reason", "ttlMinutes"],
  "window.create": ["kind", "name", "recurrence", "startsAt", "endsAt"],
  "analysis.replay": ["serviceId", "config", "limit"],
};

/** What the sign-in form may be told (lib/auth/options.ts, sign-in-with-password.ts, the throttle). */
const SIGN_IN_REFUSALS = [/^Enter your/, /^Email or password is incorrect\.$/, /disabled/, /^Demo accounts/, /^Too many/, /try again/i, /characters/, /^Expected/, /required/i, /^Invalid input/];

/** Input for an action: its own fields (plausible or hostile, some missing, extra hostile keys), as an object or FormData, or junk. */
function actionInput(t: ActionTarget, allFields: string[]): fc.Arbitrary<unknown> {
  const names = t.fields.length ? t.fields : (t.definition && SERVICE_FIELDS[t.definition.name]) || allFields;
  const fields = fc
    .tuple(
      fc.subarray(names, { minLength: 0 }),
      fc.array(fc.oneof(hostileString.filter((k) => k.length < 60), fc.constantFrom("__proto__", "constructor", "prototype", "$ACTION_ID_x", "_1_role")), { maxLength: 2 }),
    )
    .chain(([own, extra]) => fc.tuple(...[...own, ...extra].map((name) => fieldValue(Object.hasOwn(t.options, name) ? t.options[name]! : []).map((v) => [name, v] as const))))
    .map((entries) => {
      const obj: Record<string, unknown> = {};
      // defineProperty: a "__proto__" key becomes an own key, as JSON.parse makes it from a request body.
      for (const [k, v] of entries) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
      return obj;
    });
  // Well formed in every field but (maybe) one hostile one: past validation, into the services.
  const nearlyValid = fc
    .tuple(
      fc.tuple(...names.map((name) => wellFormedValue(name, Object.hasOwn(t.options, name) ? t.options[name]! : [], Object.hasOwn(t.kinds, name) ? t.kinds[name] : undefined).map((v) => [name, v] as const))),
      fc.option(fc.tuple(fc.constantFrom(...names), hostileValue), { nil: undefined, freq: 2 }),
    )
    .map(([entries, spoiled]) => {
      const obj: Record<string, unknown> = Object.fromEntries(entries);
      if (spoiled) obj[spoiled[0]] = spoiled[1];
      return obj;
    });
  return fc.oneof(
    { weight: 4, arbitrary: nearlyValid },
    { weight: 2, arbitrary: nearlyValid.map((obj) => toFormData(obj)) },
    { weight: 4, arbitrary: fields },
    { weight: 3, arbitrary: fc.tuple(fields, fc.option(hostileString, { nil: undefined })).map(([obj, file]) => toFormData(obj, file)) },
    { weight: 1, arbitrary: hostileValue },
  );
}

async function callAction(t: ActionTarget, input: unknown) {
  const result = (await t.fn(null, input)) as { ok?: unknown; code?: unknown } | null | undefined;
  if (!result || typeof result !== "object" || typeof result.ok !== "boolean") return { refused: false, code: "NOT_A_RESULT", serverError: true };
  if (result.ok) return { refused: false, code: "OK", serverError: false };
  const code = String(result.code);
  if (process.env.FUZZ_DEBUG && code === "INVALID") {
    const fe = (result as { fieldErrors?: Record<string, string[]> }).fieldErrors ?? {};
    for (const [k, v] of Object.entries(fe)) invalidFields.set(`${t.id} ${k}: ${v[0]?.slice(0, 60)}`, (invalidFields.get(`${t.id} ${k}: ${v[0]?.slice(0, 60)}`) ?? 0) + 1);
  }
  return { refused: true, code, serverError: code === "INTERNAL" };
}

/** A request to a route: hostile path segments, query and (for methods with a body) body, with a hostile X-Forwarded-For now and then. */
function routeRequest(t: RouteTarget): fc.Arbitrary<{ req: NextRequest; params: Record<string, string | string[]> }> {
  const segment = fc.oneof(fc.constantFrom("1", "2", "3", "0", "-1", "999999", "1e3", "01"), hostileString.filter((s) => s.length < 2000));
  const params = fc.tuple(...t.params.map((p) => (p.catchAll ? fc.array(segment, { minLength: 1, maxLength: 3 }) : segment)));
  const queryKey = fc.oneof(fc.constantFrom("window", "after", "download", "format", "action", "actor", "environment", "subjectType", "subjectId", "from", "to", "limit", "cursor", "callbackUrl", "error", "csrf"), hostileString.filter((s) => s.length < 60));
  const queryValue = fc.oneof(fc.constantFrom("15m", "1h", "all", "json", "csv", "1", "0", "-1", "true", ""), hostileString.filter((s) => s.length < 5000), edgeNumber.map(String));
  const query = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 });
  const hasBody = !["GET", "HEAD"].includes(t.method);
  const body = hasBody ? fc.option(fc.oneof(hostileString, hostileValue.map((v) => jsonText(v) ?? "null")), { nil: undefined }) : fc.constant(undefined);
  const forwardedFor = fc.oneof(fc.constant("203.0.113.9"), hostileString.filter((s) => s.length < 200));
  return fc.tuple(params, query, body, forwardedFor).map(([values, q, b, xff]) => {
    const named: Record<string, string | string[]> = {};
    t.params.forEach((p, i) => (named[p.name] = values[i]!));
    let pathname = t.pattern;
    for (const p of t.params) {
      const v = named[p.name]!;
      pathname = pathname.replace(`[${p.catchAll ? "..." : ""}${p.name}]`, (Array.isArray(v) ? v : [v]).map(encodeSegment).join("/"));
    }
    const url = new URL(`http://localhost:3000${pathname}`);
    for (const [k, v] of q) url.searchParams.append(k, v);
    const headers = new Headers({ host: "localhost:3000", "x-forwarded-for": xff.replace(/[^\x20-\x7e]/g, "?") });
    if (b !== undefined) headers.set("content-type", b.startsWith("{") ? "application/json" : "application/x-www-form-urlencoded");
    return { req: new NextRequest(url, { method: t.method, headers, body: b }), params: named };
  });
}

/** A path segment as a client sends it (a lone surrogate cannot travel in a URL: it arrives as U+FFFD). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"));
}

async function callRoute(t: RouteTarget, req: NextRequest, params: Record<string, string | string[]>) {
  const res = await t.handler(req, { params: Promise.resolve(params) });
  // The body is read as a client would: a stream that fails is a server error too.
  await res.text();
  const serverError = res.status >= 500;
  // next-auth answers its own refusals with redirects; a 4xx anywhere is a refusal.
  const refused = res.status >= 400 && res.status < 500;
  return { refused, code: String(res.status), serverError };
}

beforeAll(async () => {
  const template = await buildSeededTemplate(tmp.dir);
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  resetRefusalCap(db, CAP);
  for (const role of ROLES) userIds.set(role, insertUserWithRoles(db, `fuzz-${role}@example.test`, [role]).id);
  const disabled = insertUserWithRoles(db, "fuzz-disabled@example.test", ["admin"]).id;
  setUserDisabled(db, disabled, true);
  userIds.set("disabled", disabled);
  userIds.set("anonymous", null);
  actions = await actionTargets();
  routes = (await routeTargets()).filter((r) => !r.pattern.startsWith(NEXT_AUTH));

  // Something to aim at: a release and a staging rollout, made through the actions themselves.
  const { createReleaseAction } = await import("@/app/(dashboard)/releases/actions");
  const { startRolloutAction } = await import("@/app/(dashboard)/rollouts/actions");
  const service = findServiceByName(db, "sample-api")!;
  actAs(userIds.get("release_captain")!);
  const strategy = { kind: "canary", steps: [{ weight: 50, holdSeconds: 1 }, { weight: 100, holdSeconds: 0 }] };
  const release = await createReleaseAction(null, { serviceId: service.id, version: "2.0.0", commitSha: "abcdef1234", changeLog: "Fuzz fixture release.", rollbackPlan: "Redeploy the previous version.", strategy });
  expect(release).toMatchObject({ ok: true });
  const rollout = await startRolloutAction(null, { serviceId: service.id, environmentId: findEnvironmentByName(db, "staging")!.id, version: "2.0.0", strategy, idempotencyKey: "fuzz-fixture-rollout" });
  expect(rollout).toMatchObject({ ok: true });
}, 120_000);

afterAll(() => {
  closeCurrentDb();
  tmp.cleanup();
});

describe("fuzz: every server action and route handler under hostile input (issue 10)", () => {
  it("finds every action and route", async () => {
    expect(actions.length).toBeGreaterThan(20);
    expect((await routeTargets()).filter((r) => r.pattern.startsWith(NEXT_AUTH)).map((r) => r.id)).toEqual([`GET ${NEXT_AUTH}`, `POST ${NEXT_AUTH}`]);
    expect(routes.map((r) => r.id)).toEqual(expect.arrayContaining(["GET /api/rollouts/[id]", "GET /api/audit/export"]));
    // DESIGN rule 3: every export of an actions.ts goes through defineAction.
    expect(actions.filter((a) => !a.definition).map((a) => a.id)).toEqual([]);
  });

  it(
    `${RUNS} cases per action and route, as every role, a disabled account and nobody: no server error, no write on a refusal, every refusal audited`,
    async () => {
      const allFields = [...new Set([...actions.flatMap((a) => a.fields), "action", "environment", "ttlMinutes", "reason", "kind", "name", "startsAt", "endsAt", "recurrence", "config", "draft", "serviceId"])];
      let seed = SEED;
      for (const t of actions) {
        // Mostly people who hold the permission, so that input gets past authorization into validation and the services.
        const permitted = ROLES.filter((r) => t.definition && can([r], t.definition.permission));
        const actor = permitted.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...permitted) }, { weight: 2, arbitrary: actorArb }) : actorArb;
        const cases = fc.sample(fc.tuple(actor, actionInput(t, allFields), fc.constantFrom("203.0.113.7", "198.51.100.1", "2001:db8::1")), { numRuns: RUNS, seed: seed++ });
        for (const [actor, input, address] of cases) {
          actAs(userIds.get(actor) ?? null, address);
          await check(t.id, actor, input, () => callAction(t, input));
        }
      }
      for (const t of routes) {
        const cases = fc.sample(fc.tuple(actorArb, routeRequest(t)), { numRuns: RUNS, seed: seed++ });
        for (const [actor, { req, params }] of cases) {
          actAs(userIds.get(actor) ?? null);
          await check(t.id, actor, { url: req.url.slice(0, 200), method: t.method }, () => callRoute(t, req, params));
        }
      }

      // Sign-in behind next-auth: hostile credentials. A refusal is next-auth's way: an Error with
      // the message for the form. Refused attempts count toward the throttle (sign_in_attempts) by design.
      const provider = authOptions().providers.find((p) => p.id === "credentials") as unknown as { options: { authorize: (c: unknown, req: unknown) => Promise<unknown> } };
      const credentials = fc.oneof(
        fc.record({ email: fc.oneof(fc.constantFrom("fuzz-admin@example.test", "fuzz-disabled@example.test", "captain@flightdeck.local", "nobody@example.test", "\uD800@example.test", "x\uDFFF\u202E@example.test"), hostileString), password: fc.oneof(fc.constantFrom("flightdeck-demo", ""), hostileString) }, { requiredKeys: [] }),
        hostileValue,
      );
      const signIns = fc.sample(fc.tuple(credentials, fc.constantFrom("203.0.113.7", "198.51.100.1", "2001:db8::1")), { numRuns: Math.max(10, Math.round(RUNS / 2)), seed: seed++ });
      for (const [creds, address] of signIns) {
        actAs(null, address);
        await check(`authorize (credentials, ${NEXT_AUTH})`, "anonymous", creds, async () => {
          try {
            const user = await provider.options.authorize(creds, { headers: { "x-forwarded-for": address } });
            return { refused: !user, code: user ? "OK" : "NULL", serverError: false };
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            // Refusals are worded for people; anything else (a TypeError, a SQLite error) is a server error.
            return { refused: true, code: "REFUSED", serverError: !SIGN_IN_REFUSALS.some((r) => r.test(message)) };
          }
        }, { allowWrites: ["sign_in_attempts"] });
      }

      // Close every rate-cap window: the summaries must account for each refusal that got no event of its own.
      const start = lastAuditId(sqlite);
      flushRefusalSummaries(db, Date.now() + CAP.windowMs + 1);
      const summaries = auditEvents(sqlite, 0).filter((e) => e.action === "audit.refusals_suppressed");
      const summarizedCount = summaries.reduce((n, e) => n + Number(e.details.count), 0);
      counts.summarized += auditEvents(sqlite, start).length;
      counts.unaudited = counts.suppressed - summarizedCount;

      const rows = [...perTarget.entries()].map(([id, s]) => `  ${id.padEnd(62)} ${String(s.cases).padStart(5)} cases ${String(s.refused).padStart(5)} refused ${String(s.noEvent).padStart(4)} capped  ${Object.entries(s.codes).map(([c, n]) => `${c}:${n}`).join(" ")}`);
      console.log(
        [
          `fuzz (seed ${SEED}, ${RUNS} runs per target): ${actions.length} actions, ${routes.length} route handlers`,
          ...rows,
          `cases run ${counts.cases}, inputs refused ${counts.refused}, accepted ${counts.accepted}, server errors ${counts.serverErrors + counts.thrown} (INTERNAL/5xx ${counts.serverErrors}, thrown ${counts.thrown}), writes on refusal ${counts.writesOnRefusal}, refusals audited one by one ${counts.refused - counts.suppressed}, counted by the rate cap ${counts.suppressed} (in ${summaries.length} summaries: ${summarizedCount}), unaudited ${counts.unaudited}`,
        ].join("\n"),
      );
      if (process.env.FUZZ_DEBUG) console.log([...invalidFields.entries()].sort((a, b) => b[1] - a[1]).slice(0, 80).map(([k, n]) => `${n} ${k}`).join("\n"));
      if (findings.length) console.log(findings.slice(0, 40).map((f) => `  ${f.target} as ${f.actor}: ${f.problem}\n    input ${f.input}`).join("\n"));

      const chain = verifyAuditChain(sqlite);
      const broken = chain.intact ? undefined : (sqlite.prepare("SELECT * FROM audit_events WHERE id = ?").get(chain.broken?.id) as Record<string, unknown> | undefined);
      expect(chain, `${JSON.stringify(chain).slice(0, 300)} ${JSON.stringify(broken)?.slice(0, 1500)}`).toMatchObject({ intact: true });
      expect(findings).toEqual([]);
      expect(counts.serverErrors + counts.thrown).toBe(0);
      expect(counts.writesOnRefusal).toBe(0);
      expect(counts.unaudited).toBe(0);
      expect(counts.refused).toBeGreaterThan(counts.cases / 2);
    },
    600_000,
  );
});
