import { describe, expect, it } from "vitest";
import { deployTargetJsonSchema } from "@/lib/domain/deploy-target";

// The local deploy target's split mode (issue 13 item 5): absent = weighted random per request;
// sticky by one header or one cookie.
const local = (sticky: unknown) => JSON.stringify({ driver: "local", sticky });
const messages = (text: string) => {
  const r = deployTargetJsonSchema.safeParse(text);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("deploy target: sticky split", () => {
  it.each([
    { input: { header: "x-user-id" }, sticky: { header: "x-user-id" } },
    { input: { header: " X-Account " }, sticky: { header: "X-Account" } },
    { input: { cookie: "fd_user" }, sticky: { cookie: "fd_user" } },
  ])("accepts $input", ({ input, sticky }) => {
    expect(deployTargetJsonSchema.parse(local(input))).toEqual({ driver: "local", entry: "sample-service", routerPort: 4000, healthPath: "/health", sticky });
  });

  it("is optional: without it the split is random per request", () => {
    expect(deployTargetJsonSchema.parse(JSON.stringify({ driver: "local" }))).not.toHaveProperty("sticky");
  });

  it.each<{ name: string; sticky: unknown; message: string | RegExp }>([
    { name: "neither header nor cookie", sticky: {}, message: 'Sticky: Sticky split names either a header or a cookie (one of them): {"header": "x-user-id"} or {"cookie": "session"}.' },
    { name: "both", sticky: { header: "x-user-id", cookie: "fd_user" }, message: /^Sticky: Sticky split names either a header or a cookie/ },
    { name: "a bare string", sticky: "x-user-id", message: 'Sticky: Sticky split must be an object such as {"header": "x-user-id"} or {"cookie": "session"}.' },
    { name: "null", sticky: null, message: /^Sticky: Sticky split must be an object/ },
    { name: "an unknown source", sticky: { query: "user" }, message: /^Sticky: .*query/ },
    { name: "an empty header name", sticky: { header: "  " }, message: "Sticky, header: Header name cannot be empty." },
    { name: "a header name with a space", sticky: { header: "x user" }, message: /^Sticky, header: Header name may use letters, digits/ },
    { name: "a cookie name with a colon", sticky: { cookie: "a:b" }, message: /^Sticky, cookie: Cookie name may use letters, digits/ },
    { name: "a header name too long", sticky: { header: "x".repeat(201) }, message: "Sticky, header: Header name is at most 200 characters." },
  ])("refuses $name in the field's own words", ({ sticky, message }) => {
    const found = messages(local(sticky));
    expect(found.length).toBeGreaterThan(0);
    if (typeof message === "string") expect(found).toContain(message);
    else expect(found.some((m) => message.test(m)), `messages: ${JSON.stringify(found)}`).toBe(true);
  });
});
