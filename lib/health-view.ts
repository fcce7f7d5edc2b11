import type { Executor } from "@/db/connection";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { environmentHealth } from "@/lib/services/health/environment-health";

/** Every environment's overall health and its probes with their recent history (C3). */
export function loadHealthView(db: Executor) {
  const health = environmentHealth(db, 30);
  return { environments: listEnvironments(db).map((e) => ({ ...e, ...health(e.id) })), services: listServices(db), now: Date.now() };
}
