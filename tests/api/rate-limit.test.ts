import { afterAll, beforeAll, expect, it } from "vitest";
import type { Actor } from "@/lib/domain/actor";
import { buildSeededTemplate, closeCurrentDb, insertUserWithRoles, makeTempDir, useFreshDb } from "../support/db";
import { invoke, tokenFor } from "./support/in-process";
import { startStagingRollout } from "./support/rollout-fixture";

// The per-caller rate limit of the REST API (FLIGHTDECK_API_RATE_LIMIT), through the v1 rollout routes.

const tmp = makeTempDir();
let captain: Actor;
let rolloutId = 0;
const saved = process.env.FLIGHTDECK_API_RATE_LIMIT;

beforeAll(async () => {
  const { db } = useFreshDb(tmp.dir, await buildSeededTemplate(tmp.dir));
  captain = insertUserWithRoles(db, "cap@rate-limit.test", ["release_captain"]);
  rolloutId = await startStagingRollout(tokenFor(captain, { scopes: ["deploy"] }), "5.1.0");
}, 120_000);
afterAll(() => {
  if (saved === undefined) delete process.env.FLIGHTDECK_API_RATE_LIMIT;
  else process.env.FLIGHTDECK_API_RATE_LIMIT = saved;
  closeCurrentDb();
  tmp.cleanup();
});

it('FLIGHTDECK_API_RATE_LIMIT="3/60": the 4th call of a token is 429 with Retry-After; another token is not affected', async () => {
  process.env.FLIGHTDECK_API_RATE_LIMIT = "3/60";
  const busy = tokenFor(captain, { scopes: ["read"] });
  const get = (token: string) => invoke("GET", `/api/v1/rollouts/${rolloutId}`, { token });
  for (let i = 1; i <= 3; i++) expect((await get(busy)).status, `call ${i}`).toBe(200);
  const limited = await get(busy);
  expect(limited.status).toBe(429);
  // 3 calls a minute: the next one is 20 s away.
  expect(limited.headers.get("retry-after")).toBe("20");
  expect(limited.headers.get("content-type")).toBe("application/problem+json");
  expect(await limited.json()).toMatchObject({ status: 429, code: "RATE_LIMITED", type: "urn:flightdeck:problem:rate-limited" });
  // Per token: the same person's other token has its own bucket.
  const other = tokenFor(captain, { scopes: ["read"] });
  expect((await get(other)).status).toBe(200);
  expect((await get(busy)).status).toBe(429);
});
