import { type APIRequestContext, expect, test } from "@playwright/test";
import { ALL_ACCOUNTS, type AccountKey } from "../e2e/support/accounts";
import { scopesOffered } from "../lib/domain/token-scopes";
import { type OpenApiDoc, type OpenApiOperation, SchemaValidator, answerProblems, documentedOperations } from "./support/openapi-schemas";
import { type Api, type ApiAnswer, type CallOptions, OPERATION_CASES } from "./support/operation-cases";
import { BASE_URL, createToken } from "./support/server";

// The contract test (issue 11): every operation of the served OpenAPI document is called on the
// real server (next start + worker, demo data) as a demo account its roles allow, and its answer
// (status, media type, required headers, body) is validated against the document with ajv
// (JSON Schema 2020-12). Each operation is also called without a token: the documented 401
// problem. How to call each one is e2e-api/support/operation-cases.ts; a documented operation
// without a case fails here (and in the authorization matrix).

let request: APIRequestContext;
let doc: OpenApiDoc;
let validator: SchemaValidator;
let byId: Map<string, { path: string; method: string; op: OpenApiOperation }>;
const tokens = new Map<AccountKey, string>();

async function send(method: string, path: string, opts: CallOptions & { token?: string }): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] ??= "application/json";
  const res = await request.fetch(path, { method, headers, data: opts.body === undefined ? undefined : JSON.stringify(opts.body), maxRedirects: 0 });
  const text = await res.text();
  const json = /json/.test(res.headers()["content-type"] ?? "");
  return { status: res.status(), headers: res.headers(), body: json && text ? (JSON.parse(text) as unknown) : text };
}

/** A token with every scope the account's roles allow, made once per account. */
function tokenOf(key: AccountKey): string {
  let t = tokens.get(key);
  if (!t) {
    const account = ALL_ACCOUNTS.find((a) => a.key === key)!;
    t = createToken(account.email, { scopes: scopesOffered([account.role]), name: `contract ${key}` });
    tokens.set(key, t);
  }
  return t;
}

const api: Api = {
  memo: new Map(),
  call: (as, method, path, opts = {}) => send(method, path, { ...opts, token: tokenOf(as) }),
};

/** The answer is one the operation documents: its status, media type, required headers and body schema. */
function expectDocumented(id: string, answer: ApiAnswer): void {
  expect(answerProblems(byId.get(id)!.op, answer, validator)).toEqual([]);
}

/** Whether a concrete URL path is an instance of the document's path template. */
function matchesTemplate(template: string, urlPath: string): boolean {
  const pattern = template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(urlPath.split("?")[0]!);
}


// Tests run in file order (one worker, playwright.api.config.ts); after a failure the next ones
// still run (a fresh worker runs beforeAll again), so one run reports every mismatch.
test.beforeAll(async ({ playwright }) => {
  request = await playwright.request.newContext({ baseURL: BASE_URL });
  const res = await request.get("/api/openapi.json");
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("application/json");
  doc = (await res.json()) as OpenApiDoc;
  validator = new SchemaValidator(doc);
  byId = new Map(documentedOperations(doc).map((d) => [d.op.operationId, d]));
});

test.afterAll(async () => {
  await request?.dispose();
});

test("the served document is OpenAPI 3.1, public, and every operation in it has a contract case", () => {
  expect(doc.openapi).toBe("3.1.0");
  const withoutCase = [...byId.keys()].filter((id) => !OPERATION_CASES[id]);
  expect(withoutCase, "documented operations without a case in e2e-api/support/operation-cases.ts").toEqual([]);
  const stale = Object.keys(OPERATION_CASES).filter((id) => !byId.has(id));
  expect(stale, "cases for operations the document does not have").toEqual([]);
});

for (const [id, c] of Object.entries(OPERATION_CASES)) {
  test(`${id}: the real answer matches the document; without a token the documented 401 problem`, async () => {
    const documented = byId.get(id);
    expect(documented, `${id} is not in the document`).toBeDefined();
    const { method, path } = documented!;
    const prepared = await c.prepare(api, c.as);
    expect(matchesTemplate(path, prepared.path), `${prepared.path} is an instance of ${path}`).toBe(true);

    const answer = await api.call(c.as, method.toUpperCase(), prepared.path, { body: prepared.body, headers: prepared.headers });
    const accepted = c.accept ?? Object.keys(documented!.op.responses).filter((s) => /^2/.test(s)).map(Number);
    expect(accepted, `${id} as ${c.as}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`).toContain(answer.status);
    expectDocumented(id, answer);
    test.info().annotations.push({ type: "answer", description: `${answer.status} as ${c.as}` });
    expect(answer.headers["x-request-id"], `${id}: X-Request-Id`).toMatch(/^[0-9a-f-]{36}$/);
    await prepared.cleanup?.(answer);

    const anonymous = await send(method.toUpperCase(), prepared.path, { body: prepared.body, headers: prepared.headers });
    expect(anonymous.status, `${id} without a token`).toBe(401);
    expect(anonymous.headers["content-type"]).toContain("application/problem+json");
    expectDocumented(id, anonymous);
    expect(anonymous.body).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });
}
