import { versionsSeen } from "../../tests/support/traffic";

/**
 * The demo service's routers in the e2e run (scripts/e2e-server.mjs sets
 * FLIGHTDECK_DEMO_ROUTER_PORT): staging on the base port, production 100 above (the local driver
 * adds 100 per environment in list order); the control port is the router port + 1.
 */
export const ROUTER_PORT = Number(process.env.E2E_ROUTER_PORT ?? 4700);
const ENV_INDEX = { staging: 0, production: 1 } as const;
export type DemoEnvironment = keyof typeof ENV_INDEX;

export const routerPort = (env: DemoEnvironment) => ROUTER_PORT + 100 * ENV_INDEX[env];

/** The router's own record of the split (its control API: GET /state). */
export async function routerState(env: DemoEnvironment): Promise<{ weight: number; stable: { version: string } | null; canary: { version: string } | null }> {
  const res = await fetch(`http://127.0.0.1:${routerPort(env) + 1}/state`);
  if (!res.ok) throw new Error(`router control of ${env}: HTTP ${res.status}`);
  return (await res.json()) as Awaited<ReturnType<typeof routerState>>;
}

/** `n` sequential requests to the environment's router, counted per answering version (x-version). */
export function trafficSplit(env: DemoEnvironment, n = 100): Promise<Record<string, number>> {
  return versionsSeen(routerPort(env), n);
}

/**
 * The split measured while the router's weight stayed the same from before the first request to
 * after the last one (the worker may shift it meanwhile): `null` when it changed.
 */
export async function splitAtSteadyWeight(env: DemoEnvironment, n = 100): Promise<{ weight: number; seen: Record<string, number> } | null> {
  const before = await routerState(env);
  const seen = await trafficSplit(env, n);
  const after = await routerState(env);
  if (before.weight !== after.weight || before.canary?.version !== after.canary?.version) return null;
  return { weight: before.weight, seen };
}
