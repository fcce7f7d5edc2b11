/**
 * Shell commands Flightdeck runs (issue 10): every one is defined by an admin in service settings
 * (deploy-target command templates, the migration catalog); releases only pick by name.
 */

/** Shell-quotes a value so templated variables can never inject commands. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

const VARIABLE = /\{\{\s*(\w+)\s*\}\}/g;

/** Replaces {{version}}, {{weight}}, {{environment}}, ... with shell-quoted values; an unknown variable throws. */
export function renderCommand(template: string, vars: Record<string, string | number | null>): string {
  return template.replace(VARIABLE, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`Unknown variable {{${name}}} in command: ${template}`);
    return shellQuote(String(vars[name] ?? ""));
  });
}

/**
 * The command as it will run, for people to read: variables known now are filled in exactly as
 * at run time (shell-quoted); per-step ones (weight, opId, ...) stay as {{name}}.
 */
export function previewCommand(template: string, known: Record<string, string | number>): string {
  return template.replace(VARIABLE, (m, name: string) => (name in known ? shellQuote(String(known[name])) : m));
}

/** Variables of a migration command. */
export const MIGRATION_COMMAND_VARIABLES = ["service", "environment", "version", "migration"] as const;
/** Variables of the command driver's templates. */
export const DRIVER_COMMAND_VARIABLES = ["service", "environment", "version", "stableVersion", "weight", "opId"] as const;

/** Variables a template uses that its kind does not provide (shown as a settings field error). */
export function unknownVariables(template: string, allowed: readonly string[]): string[] {
  return [...template.matchAll(VARIABLE)].map((m) => m[1]!).filter((name, i, all) => !allowed.includes(name) && all.indexOf(name) === i);
}

/** A template variable as the environment variable the command also receives (FLIGHTDECK_STABLE_VERSION, ...). */
export function variableEnvName(name: string): string {
  return `FLIGHTDECK_${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/** One thing an approval lets run: where, which step, and the admin-defined command (template). */
export interface RunnableCommand {
  service: string;
  /** e.g. "migration 001-add-column (expand)", "deploy", "setWeight", "start each version". */
  step: string;
  template: string;
  kind: "migration" | "driver" | "process";
  /** The migration's id, for {{migration}} (migration commands only). */
  migration?: string;
}

export interface CommandSources {
  /** The release's deployments, its own service first, each with its parsed deploy target. */
  services: readonly { name: string; deployTarget: DeployTargetLike }[];
  /** The release's migrations resolved against its service's catalog (null command: none). */
  migrations: readonly { id: string; kind: string; command: string | null | undefined }[];
  /** The release's own service (migrations run for it). */
  service: string;
}

/** The part of a deploy target that says what runs (lib/domain/deploy-target.ts). */
export type DeployTargetLike =
  | { driver: "local"; entry: string }
  | { driver: "pm2"; script: string }
  | { driver: "proxy"; listenPort: number; stable: string; canary: string }
  | { driver: "command"; commands: { deploy: string; setWeight: string; promote: string; rollback: string; status: string } }
  /** A stored target that no longer parses: no driver can be built from it, so nothing runs. */
  | { driver: "invalid"; raw: string };

const DRIVER_STEPS = ["deploy", "setWeight", "promote", "rollback", "status"] as const;

/**
 * Everything an approval of the release lets run, in run order: expand migrations, each
 * deployment's driver commands, contract migrations. Drives the approval screen and the
 * approval fingerprint, so an admin changing any of it after approval voids the approval (D4).
 */
export function runnableCommands(s: CommandSources): RunnableCommand[] {
  const migration = (kind: string) =>
    s.migrations
      .filter((m) => m.kind === kind && m.command)
      .map((m): RunnableCommand => ({ service: s.service, step: `migration ${m.id} (${m.kind})`, template: m.command!, kind: "migration", migration: m.id }));
  const drivers = s.services.flatMap(({ name, deployTarget: t }): RunnableCommand[] => {
    switch (t.driver) {
      case "command":
        return DRIVER_STEPS.map((step) => ({ service: name, step, template: t.commands[step], kind: "driver" }));
      case "local":
        return [{ service: name, step: "start each version (local driver)", template: t.entry === "sample-service" ? "node lib/drivers/local/sample-service.mjs" : `node ${t.entry}`, kind: "process" }];
      case "pm2":
        return [{ service: name, step: "start each version (pm2 driver)", template: `pm2 start ${t.script}`, kind: "process" }];
      case "proxy":
        return [{ service: name, step: "split traffic (proxy driver: HAProxy; versions are started by your own deploy)", template: `haproxy on port ${t.listenPort} -> stable ${t.stable}, canary ${t.canary}`, kind: "process" }];
      case "invalid":
        return [{ service: name, step: "deploy target (invalid: every step fails, nothing runs)", template: t.raw, kind: "process" }];
    }
  });
  return [...migration("expand"), ...drivers, ...migration("contract")];
}

/** A command as an approver reads it: known variables filled in exactly as they will run. */
export function previewRunnable(c: RunnableCommand, at: { environment: string; version: string }): string {
  if (c.kind === "process") return c.template;
  return previewCommand(c.template, { service: c.service, environment: at.environment, version: at.version, ...(c.migration ? { migration: c.migration } : {}) });
}
