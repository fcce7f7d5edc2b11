import type { Executor } from "@/db/connection";
import { type EnvironmentRow, type ServiceRow, findEnvironmentByName, findServiceByName, listServices } from "@/db/queries/catalog";
import { type ReleaseRow, findRelease, releasesWithVersion } from "@/db/queries/releases";
import { type RolloutRow, listRollouts, liveRolloutFor } from "@/db/queries/rollouts";
import { deploymentsOf } from "@/lib/domain/release/deployments";
import { InvalidError } from "@/lib/errors";
import { byName } from "./by-name";

/**
 * Runbook 003 names things (environment "staging", service "sample-api", release "v1.2.3");
 * Flightdeck's services take ids. These resolve a request's names, each failure a field error
 * on the field that named it.
 */

const fieldError = (field: string, message: string) => new InvalidError("Please correct the highlighted fields.", { [field]: [message] });

export const environmentNamed = (db: Executor, name: string): EnvironmentRow => byName(findEnvironmentByName(db, name), "environment", "environment", name);

/** The named service; without a name, the only one (several: name one). */
export function serviceNamed(db: Executor, name: string | undefined): ServiceRow {
  if (name !== undefined) return byName(findServiceByName(db, name), "service", "service", name);
  const all = listServices(db);
  if (all.length === 1) return all[0]!;
  throw fieldError("service", all.length ? `Name the service (${all.map((s) => s.name).join(", ")}).` : "No service exists yet.");
}

/** Runbook 003 writes "v1.2.3" where Flightdeck records "1.2.3": both are asked for. */
const versionsMeant = (v: string) => (/^v\d/.test(v) ? [v, v.slice(1)] : [v]);

/**
 * A release by numeric id, or by version (the newest release of that version), that deploys
 * `serviceId` when given. A version that several services' releases share needs the service or the id.
 */
export function releaseNamed(db: Executor, ref: number | string, serviceId?: number): ReleaseRow {
  const deploys = (r: ReleaseRow) => serviceId === undefined || deploymentsOf(r).some((d) => d.serviceId === serviceId);
  if (typeof ref === "number" || /^\d{1,15}$/.test(ref)) {
    const release = findRelease(db, Number(ref));
    if (!release) throw fieldError("releaseId", `There is no release #${ref}.`);
    if (!deploys(release)) throw fieldError("releaseId", `Release #${ref} does not deploy this service.`);
    return release;
  }
  const found = releasesWithVersion(db, versionsMeant(ref)).filter(deploys);
  if (found.length === 0) throw fieldError("releaseId", `There is no release with version ${ref}${serviceId === undefined ? "" : " for this service"}.`);
  if (new Set(found.map((r) => r.serviceId)).size > 1) throw fieldError("releaseId", `Releases of several services have version ${ref}: name the service, or give the numeric id.`);
  return found[0]!;
}

/**
 * The live rollout of `environment`: of the named service, or the only one live there (none:
 * undefined; several: name the service).
 */
export function liveRolloutIn(db: Executor, environment: EnvironmentRow, serviceName: string | undefined): RolloutRow | undefined {
  if (serviceName !== undefined) return liveRolloutFor(db, serviceNamed(db, serviceName).id, environment.id);
  const live = listRollouts(db, { live: true, limit: 500 }).filter((r) => r.rollout.environmentId === environment.id);
  if (live.length > 1) {
    throw fieldError("service", `Several rollouts are live in ${environment.name} (${live.map((r) => `${r.service} #${r.rollout.id}`).join(", ")}): name the service.`);
  }
  return live[0]?.rollout;
}
