import type Database from "better-sqlite3";
import { expect } from "vitest";
import type { z } from "zod";
import type { Db } from "@/db/connection";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import type { OperationSpec } from "@/lib/api/operation-spec";
import type { Actor } from "@/lib/domain/actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { auditEvents, insertUserWithRoles, lastAuditId, snapshot } from "./db";
import { freshSeededDbPerTest } from "./governance";
import { actAs } from "./request-double";
import { type OpenApiDoc, SchemaValidator } from "../../e2e-api/support/openapi-schemas";

/**
 * Helpers of the REST API route tests (tests/routes/api-v1-*.test.ts): requests with a real
 * token, refusals that must be problem+json and write nothing but audit events, page walks.
 */

/**
 * A fresh demo-seeded database per test with a release captain who is a real (non-demo) account:
 * demo accounts only authenticate in demo mode. Nobody is signed in in the browser.
 */
export function freshApiDbPerTest(use: (s: { db: Db; sqlite: Database.Database; captain: Actor }) => void): void {
  freshSeededDbPerTest((db, sqlite) => {
    use({ db, sqlite, captain: insertUserWithRoles(db, "cap@example.test", ["release_captain"]) });
    actAs(null);
  });
}

/** A real API token of `owner` (its secret and id). */
export const apiToken = (owner: Actor, scopes: string[], over: Record<string, unknown> = {}) => createApiToken(owner, createTokenInput.parse({ name: "CI", scopes, ...over }));

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}`, "x-forwarded-for": "198.51.100.9" });

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  fieldErrors?: Record<string, string[]>;
  reasons?: string[];
  requires?: string[];
}

/** A call that must be refused with a problem: nothing but audit events (and token last use) may change. */
export async function refusedProblem(sqlite: Database.Database, call: () => Promise<Response>, status: number) {
  const before = snapshot(sqlite);
  const last = lastAuditId(sqlite);
  const res = await call();
  const after = snapshot(sqlite);
  for (const t of Object.keys(before)) if (t !== "audit_events" && t !== "api_tokens") expect(after[t], `${t} changed`).toEqual(before[t]);
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as ProblemBody;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:flightdeck:problem:/) as unknown, title: expect.any(String) as unknown, detail: expect.any(String) as unknown });
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+|SELECT|SQLITE/i);
  return { body, events: auditEvents(sqlite, last) };
}

let validator: { doc: OpenApiDoc; schemas: SchemaValidator } | undefined;

type BodyOf<S extends OperationSpec, N extends keyof S["responses"]> = S["responses"][N] extends { schema: infer Z extends z.ZodType } ? z.output<Z> : never;

/**
 * The JSON body of an answer with the documented success status, validated as the contract test
 * does (ajv against the response schema of the OpenAPI document generated from the specs) and
 * parsed by the spec's zod schema (typed for the test).
 */
export async function documented<S extends OperationSpec, N extends keyof S["responses"] & number>(res: Response, spec: S, status: N): Promise<BodyOf<S, N>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as unknown;
  if (!validator) {
    const doc = buildOpenApiDocument() as unknown as OpenApiDoc;
    validator = { doc, schemas: new SchemaValidator(doc) };
  }
  const documentedSchema = validator.doc.paths[spec.path]?.[spec.method.toLowerCase()]?.responses[String(status)]?.content?.["application/json"]?.schema;
  expect(documentedSchema, `${spec.id} ${status} is documented`).toBeDefined();
  expect(validator.schemas.errors(documentedSchema, body)).toEqual([]);
  return spec.responses[status].schema!.parse(body) as BodyOf<S, N>;
}

/** Follows `Link: rel="next"` from `first` until the last page; returns every item id in order. */
export async function walkPages(path: string, first: string, get: (query: string) => Promise<Response>): Promise<number[]> {
  const seen: number[] = [];
  let query = first;
  for (let pages = 0; pages < 50; pages++) {
    const res = await get(query);
    expect(res.status).toBe(200);
    seen.push(...((await res.json()) as { items: { id: number }[] }).items.map((r) => r.id));
    const link = res.headers.get("link");
    if (!link) return seen;
    const m = new RegExp(`^<${path.replace(/\//g, "\\/")}(\\?[^>]+)>; rel="next"$`).exec(link);
    expect(m, link).not.toBeNull();
    query = m![1]!;
  }
  throw new Error("more than 50 pages");
}
