import { expect, test } from "@playwright/test";
import { createToken } from "./support/server";

// The suite's server answers the REST API with a real token, and refuses a call without one.
test("the API suite's server answers /api/v1 with a token and 401 without", async ({ request }) => {
  const token = createToken("viewer@flightdeck.local", { scopes: ["read"] });
  const ok = await request.get("/api/v1/rollouts?limit=1", { headers: { authorization: `Bearer ${token}` } });
  expect(ok.status()).toBe(200);
  expect(((await ok.json()) as { items: unknown[] }).items).toHaveLength(1);
  const refused = await request.get("/api/v1/rollouts");
  expect(refused.status()).toBe(401);
  expect(refused.headers()["content-type"]).toContain("application/problem+json");
});
