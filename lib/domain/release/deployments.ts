/** One deployment a release rolls out (G5): a service and how long its rollout may take. */
export interface DeploymentSpec {
  serviceId: number;
  timeoutMinutes: number;
}

export const DEFAULT_DEPLOYMENT_TIMEOUT_MINUTES = 30;

/** The release's deployments, its own service first (an empty plan means only that one). */
export function deploymentsOf(r: { serviceId: number; deploymentPlan: string }): DeploymentSpec[] {
  const plan = JSON.parse(r.deploymentPlan) as DeploymentSpec[];
  return plan.length ? plan : [{ serviceId: r.serviceId, timeoutMinutes: DEFAULT_DEPLOYMENT_TIMEOUT_MINUTES }];
}

export type RoundOutcome = "running" | "succeeded" | "rolled_back";

/**
 * Where a release's deployments stand in one environment, from the latest rollout of each: all
 * succeeded -> succeeded; any rolled back (or failed for good) -> rolled back; else running. The
 * release is healthy only when every deployment is (G5).
 */
export function roundOutcome(specs: readonly DeploymentSpec[], latestStatus: (serviceId: number) => string | undefined): RoundOutcome {
  const statuses = specs.map((s) => latestStatus(s.serviceId));
  if (statuses.some((s) => s === "rolled_back")) return "rolled_back";
  if (statuses.every((s) => s === "succeeded")) return "succeeded";
  return "running";
}

/** A migration as a release holds it: picked by id from its service's catalog, never with a command. */
export interface MigrationSpec {
  id: string;
  kind: "expand" | "contract";
  description: string;
}

/**
 * A release's stored migrations. Only id, kind and description are read: a `command` that rows
 * written before issue 10 may still hold is dropped here and never run (migration 0012 also strips it).
 */
export function releaseMigrations(r: { migrations: string }): MigrationSpec[] {
  const list = JSON.parse(r.migrations) as { id: string; kind: "expand" | "contract"; description?: string }[];
  return list.map((m) => ({ id: m.id, kind: m.kind, description: m.description ?? "" }));
}

/**
 * Migrations of `kind` still to run in an environment, in the release's order (004: expand before
 * the rollout, contract only after every deployment is healthy). One that succeeded is never run again.
 */
export function migrationsToRun(all: readonly MigrationSpec[], kind: MigrationSpec["kind"], succeeded: ReadonlySet<string>): MigrationSpec[] {
  return all.filter((m) => m.kind === kind && !succeeded.has(m.id));
}
