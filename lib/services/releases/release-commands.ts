import "server-only";
import type { Executor } from "@/db/connection";
import { findService } from "@/db/queries/catalog";
import type { ReleaseRow } from "@/db/queries/releases";
import { releaseFingerprint } from "@/lib/domain/approvals/fingerprint";
import { type CommandSources, type DeployTargetLike, type RunnableCommand, previewRunnable, runnableCommands } from "@/lib/domain/commands";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { parseCatalog, resolveMigration } from "@/lib/domain/migration-catalog";
import { deploymentsOf, releaseMigrations } from "@/lib/domain/release/deployments";

/** A stored deploy target as the command list sees it (an unreadable one runs nothing). */
export function deployTargetOf(json: string): DeployTargetLike {
  try {
    const r = deployTargetSchema.safeParse(JSON.parse(json));
    if (r.success) return r.data;
  } catch {
    // not JSON: invalid below
  }
  return { driver: "invalid", raw: json };
}

/**
 * Where the commands of a release come from, read now: its deployments' deploy targets and its
 * migrations resolved against its service's catalog (admin-defined; the release holds no command).
 */
export function releaseCommandSources(db: Executor, release: Pick<ReleaseRow, "serviceId" | "deploymentPlan" | "migrations">): CommandSources {
  const own = findService(db, release.serviceId);
  const serviceName = own?.name ?? `service #${release.serviceId}`;
  const catalog = parseCatalog(own?.migrations);
  return {
    service: serviceName,
    services: deploymentsOf(release).map((d) => {
      const s = d.serviceId === release.serviceId ? own : findService(db, d.serviceId);
      return { name: s?.name ?? `service #${d.serviceId}`, deployTarget: s ? deployTargetOf(s.deployTarget) : { driver: "invalid", raw: "(service deleted)" } };
    }),
    migrations: releaseMigrations(release).map((m) => {
      const r = resolveMigration(catalog, m, serviceName);
      return { id: m.id, kind: m.kind, command: r.ok ? r.command : null };
    }),
  };
}

/** Every command an approval of the release lets run (approval screen, fingerprint). */
export function releaseRunnableCommands(db: Executor, release: ReleaseRow): RunnableCommand[] {
  return runnableCommands(releaseCommandSources(db, release));
}

/** The release's fingerprint now: the release itself and every command it would run (D4). */
export function currentFingerprint(db: Executor, release: ReleaseRow): string {
  return releaseFingerprint(release, releaseRunnableCommands(db, release));
}

export interface CommandPreview {
  /** Each command as it will run in `environment` (per-step variables stay {{...}}). */
  commands: { service: string; step: string; command: string }[];
  /** Migrations that run no command, and why (none defined, or gone from the catalog). */
  notes: string[];
}

/** What the approval screen lists: the exact commands an approval of the release lets run. */
export function releaseCommandPreview(db: Executor, release: ReleaseRow, environment: string): CommandPreview {
  const sources = releaseCommandSources(db, release);
  const catalog = parseCatalog(findService(db, release.serviceId)?.migrations);
  const notes = releaseMigrations(release).flatMap((m) => {
    const r = resolveMigration(catalog, m, sources.service);
    if (!r.ok) return [r.reason.replace("nothing ran", "it will fail without running anything")];
    return r.command === null ? [`Migration ${m.id} (${m.kind}) defines no command: it is recorded as applied outside Flightdeck.`] : [];
  });
  return {
    commands: runnableCommands(sources).map((c) => ({ service: c.service, step: c.step, command: previewRunnable(c, { environment, version: release.version }) })),
    notes,
  };
}
