import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "./connection";
import { upsertServiceAnalysis } from "./queries/analysis";
import { findServiceByName, insertService } from "./queries/catalog";
import { upsertPromoteGatesConfig } from "./queries/promote-gates";
import { MISSION_CONTROL_VERSIONS, missionControlFiles } from "./seed-runbook-000-app";
import { writeTransaction } from "./transaction";
import { recordAudit } from "@/lib/audit/record";
import { analysisConfigSchema } from "@/lib/domain/analysis/config";
import { serviceInput } from "@/lib/domain/catalog-inputs";
import { DEFAULTS, configOfInput, parsePromoteGatesInput } from "@/lib/domain/promote-gates/config";

/**
 * Runbook 000 ("Mission Control") as a second demo service (issue 13): `mission-control` on the
 * PM2 driver, its versions the tags of a git repository made here, its promote gates as section 4
 * says. Called by scripts/migrate.ts after seedDemo seeded a new database, never by seedDemo (tests
 * that seed do not pay for a repository). Nothing is deployed: the release captain starts 1.0.0.
 */

export const MISSION_CONTROL = "mission-control";
/** Main's port in runbook 000; the canary's is the next one. */
export const MISSION_CONTROL_PORT = 3005;
/** The demo repository, next to the SQLite file. */
export const missionControlRepo = (dataDir: string) => path.join(dataDir, "demo-repos", MISSION_CONTROL);

/**
 * Runbook 000 section 4 asks for 10-15 minutes without a critical line; the demo waits 15 min at
 * 1/50 (18 s), as the seed runs canary analysis at 1/50 of the runbooks' durations.
 */
export const DEMO_QUIET_SECONDS = 18;

export type Runbook000Seed = { seeded: true; serviceId: number; repo: string; commits: { tag: string; sha: string }[] } | { seeded: false; reason: string };

const GIT_IDENTITY = { name: "Mission Control team", email: "mission-control@flightdeck.local" };

function gitMissing(): string | null {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return null;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === "ENOENT" ? "git is not installed (runbook 000's versions are commits of a git repository)" : `git does not run: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Makes the demo repository at `repo` from scratch (three commits tagged 1.0.0, 1.1.0, 1.2.0) with
 * the git CLI, never through a shell. Fixed dates and identity, no user or system git config: the
 * same shas on every machine, so release dirs kept from an earlier demo database are still valid.
 */
export function createMissionControlRepo(repo: string): { tag: string; sha: string }[] {
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (args: string[], date?: string) =>
    execFileSync("git", args, {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: date
        ? { ...env, GIT_AUTHOR_NAME: GIT_IDENTITY.name, GIT_AUTHOR_EMAIL: GIT_IDENTITY.email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: GIT_IDENTITY.name, GIT_COMMITTER_EMAIL: GIT_IDENTITY.email, GIT_COMMITTER_DATE: date }
        : env,
    }).trim();
  git(["init", "--quiet", "--initial-branch=main"]);
  const commits: { tag: string; sha: string }[] = [];
  for (const v of MISSION_CONTROL_VERSIONS) {
    for (const [file, text] of Object.entries(missionControlFiles(v))) {
      mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      writeFileSync(path.join(repo, file), text);
    }
    git(["add", "--all"]);
    git(["commit", "--quiet", "--no-verify", "-m", v.message], v.date);
    git(["tag", "--annotate", "-m", `Mission Control ${v.tag}`, v.tag], v.date);
    commits.push({ tag: v.tag, sha: git(["rev-parse", "HEAD"]) });
  }
  return commits;
}

/**
 * Seeds `mission-control` once (a second call finds it and does nothing). The deploy target, the
 * analysis setting and the promote gates pass the same schemas as the settings forms; each insert
 * is audited in the one transaction. Ports: FLIGHTDECK_DEMO_MISSION_CONTROL_PORT (main, default
 * 3005; canary +1). `quietSeconds` shortens the log gate's quiet period (tests). Without git the service is skipped and `reason` says why.
 */
export function seedRunbook000Demo(db: Db, dataDir: string, opts: { mainPort?: number; quietSeconds?: number } = {}): Runbook000Seed {
  if (findServiceByName(db, MISSION_CONTROL)) return { seeded: false, reason: `${MISSION_CONTROL} already exists` };
  const mainPort = opts.mainPort ?? Number(process.env.FLIGHTDECK_DEMO_MISSION_CONTROL_PORT || MISSION_CONTROL_PORT);
  const repo = missionControlRepo(path.resolve(dataDir));
  const parsed = serviceInput.safeParse({
    name: MISSION_CONTROL,
    owner: "Mission Control team",
    description: `Runbook 000 (Mission Control): canary as its own PM2 process on port ${mainPort + 1} beside main on ${mainPort}, promote gates, rollback to the last good commit. Versions are the tags 1.0.0, 1.1.0 (logs CRITICAL) and 1.2.0 of the demo repository.`,
    deployTarget: JSON.stringify({
      driver: "pm2",
      name: MISSION_CONTROL,
      script: "server.js",
      mainPort,
      canaryPort: mainPort + 1,
      // Runbook 000 section 6 checks health with curl on /api/openclaw/status.
      healthPath: "/api/openclaw/status",
      git: { repo, build: "npm run build", keepReleases: 5, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 120 },
    }),
  });
  // A port from the environment the form would refuse (not a number, below 1024, 65535 as main).
  if (!parsed.success) return { seeded: false, reason: `its deploy target is invalid with main port ${mainPort} (FLIGHTDECK_DEMO_MISSION_CONTROL_PORT): ${parsed.error.issues.map((i) => i.message).join(" ")}` };
  const service = parsed.data;
  // Runbook 000 decides promotion by its gates. PM2 without a proxy in front records no per-request
  // samples, so builtin canary analysis could never pass and would hold every step.
  const analysis = { enabled: false };
  analysisConfigSchema.parse(analysis);

  const missing = gitMissing();
  if (missing) return { seeded: false, reason: missing };
  let commits: { tag: string; sha: string }[];
  try {
    commits = createMissionControlRepo(repo);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    return { seeded: false, reason: `the demo repository ${repo} could not be made: ${stderr || (err instanceof Error ? err.message : String(err))}` };
  }

  const now = Date.now();
  const system = { kind: "system", label: "system" } as const;
  return writeTransaction(db, (tx): Runbook000Seed => {
    if (findServiceByName(tx, MISSION_CONTROL)) return { seeded: false, reason: `${MISSION_CONTROL} already exists` };
    const row = insertService(tx, { ...service, deployTarget: JSON.stringify(service.deployTarget), migrations: "[]", createdAt: now, updatedAt: now });
    recordAudit(tx, {
      actor: system,
      action: "service.create",
      subjectType: "service",
      subjectId: row.id,
      details: { name: row.name, owner: row.owner, deployTarget: service.deployTarget, migrations: [], demo: true, runbook: "000", versions: commits },
      at: now,
    });
    upsertServiceAnalysis(tx, { serviceId: row.id, config: JSON.stringify(analysis), at: now, rowVersion: null });
    recordAudit(tx, { actor: system, action: "analysis.config_update", subjectType: "service", subjectId: row.id, details: { config: analysis, demo: true }, at: now });
    // Runbook 000 section 4, through the settings form's own parser: CI on the same commit (run in
    // the commit's release dir), canary smoke on both endpoints, no CRITICAL line for the quiet
    // period, and the core path attested by the role the form defaults to.
    const gates = configOfInput(
      parsePromoteGatesInput({
        serviceId: row.id,
        rowVersion: 0,
        ciKind: "command",
        ciCommand: "npm run ci:gate",
        smokePaths: "/api/openclaw/status\n/api/workspaces",
        logPattern: "CRITICAL",
        logQuietSeconds: opts.quietSeconds ?? DEMO_QUIET_SECONDS,
        attestRole: DEFAULTS.role,
      }),
    );
    upsertPromoteGatesConfig(tx, { serviceId: row.id, config: JSON.stringify(gates), at: now, rowVersion: null });
    recordAudit(tx, { actor: system, action: "promote_gates.update", subjectType: "service", subjectId: row.id, details: { service: row.name, before: null, after: gates, demo: true }, at: now });
    return { seeded: true, serviceId: row.id, repo, commits };
  });
}
