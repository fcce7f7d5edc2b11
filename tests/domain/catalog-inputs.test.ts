import { describe, expect, it } from "vitest";
import {
  createUserInput,
  deleteInput,
  environmentInput,
  resetPasswordInput,
  serviceInput,
  setDisabledInput,
  setRolesInput,
  updateEnvironmentInput,
  updateServiceInput,
} from "@/lib/domain/catalog-inputs";

const target = JSON.stringify({ driver: "local" });

function fieldErrors(r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of r.error?.issues ?? []) (out[i.path.join(".")] ??= []).push(i.message);
  return out;
}

describe("slug rules (service and environment names)", () => {
  it.each<{ name: string; ok: boolean | string }>([
    { name: "api", ok: true },
    { name: "ab", ok: true },
    { name: "sample-api", ok: true },
    { name: "a1-b2-c3", ok: true },
    { name: "  padded  ", ok: "padded" },
    { name: "a".repeat(40), ok: true },
    { name: "a", ok: false },
    { name: "a".repeat(41), ok: false },
    { name: "Api", ok: false },
    { name: "1api", ok: false },
    { name: "-api", ok: false },
    { name: "my_api", ok: false },
    { name: "my api", ok: false },
    { name: "api.v2", ok: false },
    { name: "", ok: false },
    { name: "ápi", ok: false },
  ])("$name -> $ok", ({ name, ok }) => {
    const svc = serviceInput.safeParse({ name, owner: "Team", deployTarget: target });
    const env = environmentInput.safeParse({ name });
    expect(svc.success).toBe(ok !== false);
    expect(env.success).toBe(ok !== false);
    if (ok === false) expect(fieldErrors(svc).name?.length).toBeGreaterThan(0);
    else expect(svc.data?.name).toBe(ok === true ? name : ok);
  });

  it.each([
    { name: "a", message: "Use at least 2 characters." },
    { name: "a".repeat(41), message: "Use at most 40 characters." },
    { name: "Bad_Name", message: "Use lowercase letters, digits and dashes, starting with a letter." },
  ])("message for $name", ({ name, message }) => {
    expect(fieldErrors(environmentInput.safeParse({ name })).name).toContain(message);
  });
});

describe("serviceInput / environmentInput", () => {
  it("parses the deploy target JSON and defaults the description", () => {
    expect(serviceInput.parse({ name: "web", owner: " Platform ", deployTarget: target })).toEqual({
      name: "web",
      owner: "Platform",
      description: "",
      deployTarget: { driver: "local", entry: "sample-service", routerPort: 4000, healthPath: "/health" },
    });
  });

  it.each([
    { input: { name: "web", owner: "", deployTarget: target }, field: "owner" },
    { input: { name: "web", owner: "x", deployTarget: "{" }, field: "deployTarget" },
    { input: { name: "web", owner: "x", deployTarget: target, description: "d".repeat(501) }, field: "description" },
  ])("rejects bad $field", ({ input, field }) => {
    expect(Object.keys(fieldErrors(serviceInput.safeParse(input)))).toContain(field);
  });

  it.each([
    { production: "on", expected: true },
    { production: "true", expected: true },
    { production: true, expected: true },
    { production: "false", expected: false },
    { production: false, expected: false },
    { production: undefined, expected: false },
  ])("checkbox production=$production -> $expected", ({ production, expected }) => {
    expect(environmentInput.parse({ name: "qa", production }).production).toBe(expected);
  });

  it.each([
    { sortOrder: "5", ok: 5 },
    { sortOrder: undefined, ok: 0 },
    { sortOrder: -1, ok: false },
    { sortOrder: 1001, ok: false },
    { sortOrder: "1.5", ok: false },
  ])("sortOrder $sortOrder -> $ok", ({ sortOrder, ok }) => {
    const r = environmentInput.safeParse({ name: "qa", sortOrder });
    expect(r.success).toBe(ok !== false);
    if (ok !== false) expect(r.data?.sortOrder).toBe(ok);
  });

  it.each([
    { id: "3", rowVersion: "2", ok: true },
    { id: 0, rowVersion: 1, ok: false },
    { id: 1, rowVersion: 0, ok: false },
    { id: "x", rowVersion: 1, ok: false },
    { id: 1, rowVersion: undefined, ok: false },
  ])("ids and row versions: id=$id rowVersion=$rowVersion -> $ok", ({ id, rowVersion, ok }) => {
    expect(deleteInput.safeParse({ id, rowVersion }).success).toBe(ok);
    expect(updateEnvironmentInput.safeParse({ name: "qa", id, rowVersion }).success).toBe(ok);
    expect(updateServiceInput.safeParse({ name: "qa", owner: "o", deployTarget: target, id, rowVersion }).success).toBe(ok);
  });
});

describe("createUserInput", () => {
  const base = { name: "Pat", password: "correct horse battery" };

  // The schema declares trim(), but zod 4 runs the email format check before it (see report).
  it.each([
    { email: "Pat@Example.COM", expected: "pat@example.com" },
    { email: "  pat@example.com  ", expected: "pat@example.com" },
    { email: "PAT+ops@Sub.Example.org", expected: "pat+ops@sub.example.org" },
  ])("normalises $email", ({ email, expected }) => {
    expect(createUserInput.parse({ ...base, email }).email).toBe(expected);
  });

  it.each(["not-an-email", "pat@", "@example.com", "", "pat example@x.com"])("rejects email %j", (email) => {
    expect(fieldErrors(createUserInput.safeParse({ ...base, email })).email).toBeDefined();
  });

  it.each<{ roles: unknown; expected: string[] | false }>([
    { roles: "admin", expected: ["admin"] },
    { roles: ["admin", "viewer"], expected: ["admin", "viewer"] },
    { roles: [], expected: [] },
    { roles: undefined, expected: [] },
    { roles: "root", expected: false },
    { roles: ["viewer", "root"], expected: false },
  ])("roles $roles -> $expected", ({ roles, expected }) => {
    const r = createUserInput.safeParse({ ...base, email: "p@example.com", roles });
    const s = setRolesInput.safeParse({ userId: 1, roles });
    expect(r.success).toBe(expected !== false);
    expect(s.success).toBe(expected !== false);
    if (expected !== false) {
      expect(r.data?.roles).toEqual(expected);
      expect(s.data?.roles).toEqual(expected);
    }
  });

  it.each([
    { password: "x".repeat(11), ok: false, message: "Use at least 12 characters." },
    { password: "x".repeat(12), ok: true },
    { password: "x".repeat(200), ok: true },
    { password: "x".repeat(201), ok: false, message: "Use at most 200 characters." },
  ])("password of $password.length chars -> $ok", ({ password, ok, message }) => {
    const r = createUserInput.safeParse({ ...base, email: "p@example.com", password });
    const reset = resetPasswordInput.safeParse({ userId: 1, password });
    expect(r.success).toBe(ok);
    expect(reset.success).toBe(ok);
    if (message) expect(fieldErrors(r).password).toContain(message);
  });

  it("does not trim or otherwise alter the password", () => {
    expect(createUserInput.parse({ ...base, email: "p@example.com", password: "  spaces kept  " }).password).toBe("  spaces kept  ");
  });

  it("requires a name", () => {
    expect(fieldErrors(createUserInput.safeParse({ ...base, name: "   ", email: "p@example.com" })).name).toContain("Enter a name.");
  });
});

describe("setDisabledInput", () => {
  it.each([
    { disabled: "on", expected: true },
    { disabled: undefined, expected: false },
    { disabled: "false", expected: false },
    { disabled: true, expected: true },
  ])("disabled=$disabled -> $expected", ({ disabled, expected }) => {
    expect(setDisabledInput.parse({ userId: "4", disabled })).toEqual({ userId: 4, disabled: expected });
  });
});
