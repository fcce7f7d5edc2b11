import type { RolloutRow } from "@/db/queries/rollouts";
import { until } from "./wait";

/**
 * The world of the real-worker tests: the demo seed, sample-api on the embedded local driver
 * behind its own router port, canary analysis off (without steady traffic it would hold every
 * step; it is tested in tests/analysis) and a worker. The caller set FLIGHTDECK_DB first, so the
 * modules are loaded here, after it.
 */
export async function sampleApiOnLocalDriver(routerPort: number, owner: string) {
  const { getDb } = await import("@/db/client");
  const { seedDemo } = await import("@/db/seed");
  const { updateService, findServiceByName, findEnvironmentByName } = await import("@/db/queries/catalog");
  const { putServiceAnalysis } = await import("@/db/queries/analysis");
  const { startWorker } = await import("@/lib/jobs/worker");
  const db = getDb();
  await seedDemo(db);
  const svc = findServiceByName(db, "sample-api")!;
  updateService(db, svc.id, svc.rowVersion, { ...svc, deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort, healthPath: "/health" }), updatedAt: Date.now() });
  putServiceAnalysis(db, svc.id, JSON.stringify({ enabled: false }), Date.now());
  return {
    serviceId: svc.id,
    staging: findEnvironmentByName(db, "staging")!,
    production: findEnvironmentByName(db, "production")!,
    runner: startWorker(db, { owner }),
  };
}

/** A canary strategy from [weight, holdSeconds] pairs. */
export const canary = (steps: [number, number][]) => ({ kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) }) as never;

/** Waits (on state) until rollout `id` satisfies `ok`; the timeout only bounds a broken run. */
export async function rolloutWhen(id: number, ok: (r: RolloutRow) => boolean, timeoutMs = 30_000): Promise<RolloutRow> {
  const { getDb } = await import("@/db/client");
  const { findRollout } = await import("@/db/queries/rollouts");
  return until(() => {
    const r = findRollout(getDb(), id)!;
    return ok(r) ? r : undefined;
  }, timeoutMs);
}
