import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, errorStatuses, openApiJson, tokenScopeOf } from "@/lib/api/openapi";
import { OPERATIONS } from "@/lib/api/spec";
import { PERMISSIONS } from "@/lib/domain/permissions";
import { type OpenApiDoc, SchemaValidator, documentedOperations, schemasOf } from "../../e2e-api/support/openapi-schemas";

const doc = JSON.parse(openApiJson()) as OpenApiDoc;
const documented = documentedOperations(doc);
const byId = new Map(documented.map((d) => [d.op.operationId, d]));

describe("the OpenAPI 3.1 document (lib/api/openapi.ts)", () => {
  it("is an OpenAPI 3.1 document with info, paths, the Problem schema and the bearer scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: expect.any(String) as unknown, version: expect.any(String) as unknown });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    for (const p of Object.keys(doc.paths)) expect(p).toMatch(/^\/api\/[a-z0-9/{}.-]+$/i);
    expect(doc.components.schemas?.Problem).toMatchObject({ type: "object", required: expect.arrayContaining(["type", "title", "status", "detail", "code"]) as unknown });
    expect(doc.components.securitySchemes?.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // The same document as a fresh build: nothing depends on the order of calls.
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument()))).toEqual(doc);
  });

  it("documents every operation of OPERATIONS once, with a unique operationId", () => {
    const ids = documented.map((d) => d.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(OPERATIONS.map((o) => o.id).sort());
    for (const spec of OPERATIONS) {
      const d = byId.get(spec.id)!;
      expect(d, spec.id).toBeDefined();
      expect({ path: d.path, method: d.method }).toEqual({ path: spec.path, method: spec.method.toLowerCase() });
      expect(d.op.summary, spec.id).toBe(spec.summary);
      expect(d.op.tags, spec.id).toEqual([...spec.tags]);
    }
  });

  it("declares every path parameter of a path template, required, and no other", () => {
    for (const { path, op } of documented) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), `${op.operationId} ${path}`).toEqual(inTemplate);
      for (const p of declared) expect(p.required, `${op.operationId} ${p.name}`).toBe(true);
    }
  });

  it("says who may call each operation: x-permission, x-roles, x-token-scope, bearer security", () => {
    for (const spec of OPERATIONS) {
      const { op } = byId.get(spec.id)!;
      expect(op["x-permission"]).toBe(spec.permission);
      expect(op["x-roles"]).toEqual([...PERMISSIONS[spec.permission]]);
      expect(op["x-token-scope"]).toBe(tokenScopeOf(spec.permission));
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(op.description).toContain(spec.permission);
    }
    expect(tokenScopeOf("rollout.abort")).toBe("rollback");
    expect(tokenScopeOf("approval.decide")).toBeNull();
  });

  it("every success answer with its schema and headers; every error a problem+json with the shared Problem schema", () => {
    for (const spec of OPERATIONS) {
      const { op } = byId.get(spec.id)!;
      for (const [status, r] of Object.entries(spec.responses)) {
        const answer = op.responses[status]!;
        expect(answer, `${spec.id} ${status}`).toBeDefined();
        if (r.schema) expect(answer.content?.[r.contentType ?? "application/json"]?.schema, `${spec.id} ${status}`).toBeDefined();
        for (const h of r.headers ?? []) expect(answer.headers?.[h], `${spec.id} ${status} ${h}`).toBeDefined();
      }
      const errors = Object.keys(op.responses).filter((s) => Number(s) >= 400).map(Number);
      expect(errors, spec.id).toEqual(errorStatuses(spec));
      expect(errors).toEqual(expect.arrayContaining([401, 403, 429]));
      for (const s of errors) expect(op.responses[String(s)]!.content).toEqual({ "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } });
      expect(op.responses["429"]!.headers?.["Retry-After"]).toBeDefined();
    }
  });

  it("If-Match (412/428) for ifMatch operations; Idempotency-Key (400/422) for every POST", () => {
    for (const spec of OPERATIONS) {
      const { op } = byId.get(spec.id)!;
      const header = (name: string) => op.parameters?.find((p) => p.in === "header" && p.name === name);
      expect(Boolean(header("If-Match")), spec.id).toBe(Boolean(spec.ifMatch));
      expect(Boolean(op.responses["412"] && op.responses["428"]), spec.id).toBe(Boolean(spec.ifMatch));
      if (spec.ifMatch) expect(header("If-Match")!.required).toBe(true);
      expect(Boolean(header("Idempotency-Key")), spec.id).toBe(spec.method === "POST");
      expect(Boolean(op.responses["422"]), spec.id).toBe(spec.method === "POST");
      if (spec.method === "POST") expect(header("Idempotency-Key")!.required).toBeFalsy();
      if (spec.body && spec.method !== "GET") expect(op.requestBody?.content["application/json"]?.schema, spec.id).toBeDefined();
    }
  });

  it("every schema in it is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect) and every $ref resolves", () => {
    const validator = new SchemaValidator(doc);
    const all = schemasOf(doc);
    expect(all.length).toBeGreaterThan(OPERATIONS.length);
    for (const { where, schema } of all) expect(() => validator.compile(schema), where).not.toThrow();
    const refs = [...openApiJson().matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9_]+$/);
      expect(doc.components.schemas?.[ref.split("/").pop()!], ref).toBeDefined();
    }
  });

  it("the Problem schema accepts a real problem and refuses one without its code", () => {
    const validator = new SchemaValidator(doc);
    const problem = { type: "urn:flightdeck:problem:blocked", title: "Blocked by policy", status: 403, detail: "No.", code: "BLOCKED", requestId: "r", reasons: ["x"], requires: ["y"] };
    expect(validator.errors({ $ref: "#/components/schemas/Problem" }, problem)).toEqual([]);
    const { code: _code, ...withoutCode } = problem;
    expect(validator.errors({ $ref: "#/components/schemas/Problem" }, withoutCode)).not.toEqual([]);
  });
});
