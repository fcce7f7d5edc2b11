import { z } from "zod";
import { MIGRATION_COMMAND_VARIABLES, unknownVariables } from "./commands";
import { jsonTextSchema } from "./json-text";

export const MIGRATION_KINDS = ["expand", "contract"] as const;
export type MigrationKind = (typeof MIGRATION_KINDS)[number];

/** Refusal of a release input that carries a command (issue 10): commands come from service settings only. */
export const RELEASE_COMMAND_REFUSED = "Releases cannot carry commands: an admin defines migrations and their commands in the service's settings.";

/** Migration ids: no spaces or brackets, so a checkbox value can never be mistaken for JSON. */
export const migrationIdSchema = z
  .string()
  .trim()
  .min(1, "Give the migration an id.")
  .max(100, "Use at most 100 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, dots, dashes and underscores.");

/** One named migration of a service's catalog, defined by an admin (004: expand before the rollout, contract after). */
export const catalogMigrationSchema = z
  .object({
    id: migrationIdSchema,
    kind: z.enum(MIGRATION_KINDS, { error: 'Migration kind is "expand" or "contract".' }),
    description: z.string().trim().max(500).default(""),
    /** Shell command the worker runs for it ({{service}}, {{environment}}, {{version}}, {{migration}}); none: recorded as applied outside Flightdeck. */
    command: z
      .string()
      .trim()
      .min(1, "Command cannot be empty (leave it out for a migration applied outside Flightdeck).")
      .max(2000)
      .superRefine((c, ctx) => {
        const unknown = unknownVariables(c, MIGRATION_COMMAND_VARIABLES);
        if (unknown.length) ctx.addIssue({ code: "custom", message: `Unknown variable ${unknown.map((v) => `{{${v}}}`).join(", ")}: use ${MIGRATION_COMMAND_VARIABLES.map((v) => `{{${v}}}`).join(", ")}.` });
      })
      .optional(),
  })
  .strict();
export type CatalogMigration = z.output<typeof catalogMigrationSchema>;

export const migrationCatalogSchema = z
  .array(catalogMigrationSchema)
  .max(200)
  .refine((list) => new Set(list.map((m) => m.id)).size === list.length, "Migration ids must be unique.");
export type MigrationCatalog = z.output<typeof migrationCatalogSchema>;

/** The catalog as JSON text in the service form; empty means none. */
export const migrationCatalogJsonSchema = jsonTextSchema(migrationCatalogSchema, "Migrations", { emptyAs: [] });

/** Reads a stored catalog; anything unreadable is an empty catalog (nothing can run from it). */
export function parseCatalog(json: string | null | undefined): MigrationCatalog {
  try {
    const r = migrationCatalogSchema.safeParse(JSON.parse(json ?? "[]"));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
}

/** A release's pick: an id, optionally with the kind the caller expects. */
export interface MigrationPick {
  id: string;
  kind?: MigrationKind;
}

/** What a release stores of a picked migration: never a command (that stays in the catalog). */
export interface PickedMigration {
  id: string;
  kind: MigrationKind;
  description: string;
}

/**
 * Resolves a release's picks against its service's catalog, in catalog order (the order an admin
 * gave them). Unknown ids and a kind differing from the catalog's are errors for the field.
 */
export function pickMigrations(catalog: MigrationCatalog, picks: readonly MigrationPick[], serviceName: string): { ok: true; migrations: PickedMigration[] } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const wanted = new Set<string>();
  for (const p of picks) {
    const entry = catalog.find((m) => m.id === p.id);
    if (!entry) errors.push(`"${p.id}" is not a migration of ${serviceName}: pick one defined in the service's settings.`);
    else if (p.kind && p.kind !== entry.kind) errors.push(`"${p.id}" is a ${entry.kind} migration in ${serviceName}'s settings, not ${p.kind}.`);
    wanted.add(p.id);
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, migrations: catalog.filter((m) => wanted.has(m.id)).map((m) => ({ id: m.id, kind: m.kind, description: m.description })) };
}

/**
 * What the worker runs for a picked migration, taken from the catalog now (never from the
 * release): its command (null: none configured), or why it cannot run.
 */
export function resolveMigration(catalog: MigrationCatalog, picked: { id: string; kind: string }, serviceName: string): { ok: true; command: string | null } | { ok: false; reason: string } {
  const entry = catalog.find((m) => m.id === picked.id);
  if (!entry) return { ok: false, reason: `Migration ${picked.id} is no longer defined in ${serviceName}'s settings (an admin removed it after the release picked it); nothing ran.` };
  if (entry.kind !== picked.kind) {
    return { ok: false, reason: `Migration ${picked.id} is now a ${entry.kind} migration in ${serviceName}'s settings, but the release picked it as ${picked.kind}; nothing ran. Edit the release to pick it again.` };
  }
  return { ok: true, command: entry.command ?? null };
}
