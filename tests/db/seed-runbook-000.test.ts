import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { findServiceAnalysis } from "@/db/queries/analysis";
import { findServiceByName, listServices } from "@/db/queries/catalog";
import { findPromoteGatesConfig } from "@/db/queries/promote-gates";
import { seedDemo } from "@/db/seed";
import { DEMO_QUIET_SECONDS, MISSION_CONTROL_PORT, missionControlRepo, seedRunbook000Demo } from "@/db/seed-runbook-000";
import { criticalLine } from "@/db/seed-runbook-000-app";
import { verifyAuditChain } from "@/lib/audit/verify";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { DEFAULT_CHECKLIST, parseStoredConfig } from "@/lib/domain/promote-gates/config";
import { auditEvents, makeTempDir } from "@/tests/support/db";

// Runbook 000 in the demo (issue 13): db/seed-runbook-000.ts against fresh temp databases and data
// dirs, with the real git CLI. Nothing listens on a port here (deploying is tests/drivers/pm2-git-demo.test.ts).

const tmp = makeTempDir("fd-seed-rb000-");
afterAll(() => tmp.cleanup());
let n = 0;
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  delete process.env.FLIGHTDECK_DEMO_MISSION_CONTROL_PORT;
});

/** A new data dir with a migrated database in it (seedDemo too when asked, as scripts/migrate.ts does). */
async function fresh(opts: { demo?: boolean } = {}) {
  const dataDir = path.join(tmp.dir, `data-${++n}`);
  mkdirSync(dataDir, { recursive: true });
  const { db, sqlite } = openDatabase(path.join(dataDir, "flightdeck.db"));
  opened.push(sqlite);
  if (opts.demo) await seedDemo(db);
  return { db, sqlite, dataDir };
}

const git = (repo: string, ...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" } }).trim();

describe("seedRunbook000Demo", () => {
  it("seeds mission-control on PM2 from a git repository it makes (1.0.0 / 1.1.0 bad / 1.2.0), runbook 000's gates, each insert audited", async () => {
    const { db, sqlite, dataDir } = await fresh({ demo: true });
    const auditBefore = auditEvents(sqlite).length;
    const r = seedRunbook000Demo(db, dataDir);
    if (!r.seeded) throw new Error(r.reason);
    const repo = missionControlRepo(dataDir);
    expect(r.repo).toBe(path.join(dataDir, "demo-repos", "mission-control"));
    expect(r.repo).toBe(repo);

    // The service, its deploy target as the settings form would parse it.
    const svc = findServiceByName(db, "mission-control")!;
    expect(svc).toMatchObject({ owner: "Mission Control team", migrations: "[]" });
    expect(svc.description).toContain("Runbook 000");
    const target = deployTargetSchema.parse(JSON.parse(svc.deployTarget));
    expect(target).toEqual({
      driver: "pm2",
      name: "mission-control",
      script: "server.js",
      mainPort: MISSION_CONTROL_PORT,
      canaryPort: MISSION_CONTROL_PORT + 1,
      healthPath: "/api/openclaw/status",
      git: { repo, build: "npm run build", keepReleases: 5, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 120 },
    });
    expect(listServices(db).map((s) => s.name)).toEqual(["mission-control", "sample-api"]);

    // Runbook 000 section 4 as its promote gates; canary analysis off (PM2 alone records no samples).
    const stored = parseStoredConfig(findPromoteGatesConfig(db, svc.id)!.config);
    expect(stored).toEqual({
      ok: true,
      config: {
        ci: { kind: "command", command: "npm run ci:gate", cwd: null, timeoutMs: 600_000 },
        smoke: { paths: ["/api/openclaw/status", "/api/workspaces"], timeoutMs: 5000 },
        logs: { pattern: "CRITICAL", quietMs: DEMO_QUIET_SECONDS * 1000 },
        attestation: { role: "service_owner", checklist: [...DEFAULT_CHECKLIST] },
      },
    });
    expect(JSON.parse(findServiceAnalysis(db, svc.id)!.config)).toEqual({ enabled: false });

    // The repository: three commits on main, tagged in order, the bad one's critical line in git.
    expect(git(repo, "rev-list", "--count", "main")).toBe("3");
    expect(git(repo, "tag", "--list").split("\n")).toEqual(["1.0.0", "1.1.0", "1.2.0"]);
    const shas = git(repo, "rev-list", "--reverse", "main").split("\n");
    expect(["1.0.0", "1.1.0", "1.2.0"].map((t) => git(repo, "rev-parse", `${t}^{commit}`))).toEqual(shas);
    expect(r.commits).toEqual([
      { tag: "1.0.0", sha: shas[0] },
      { tag: "1.1.0", sha: shas[1] },
      { tag: "1.2.0", sha: shas[2] },
    ]);
    expect(git(repo, "show", "1.1.0")).toContain(`+    console.error(${JSON.stringify(`${criticalLine("1.1.0")} (`)}`);
    for (const t of ["1.0.0", "1.2.0"]) expect(git(repo, "show", `${t}:server.js`)).not.toContain("CRITICAL");
    for (const t of ["1.0.0", "1.1.0", "1.2.0"]) {
      const pkg = JSON.parse(git(repo, "show", `${t}:package.json`)) as { version: string; scripts: Record<string, string>; dependencies?: unknown };
      expect(pkg).toMatchObject({ version: t, scripts: { build: expect.any(String) as string, "ci:gate": expect.any(String) as string } });
      expect(pkg.dependencies).toBeUndefined();
    }
    expect(git(repo, "status", "--porcelain")).toBe("");

    // One audit event per insert, in the chain, after seedDemo's.
    const events = auditEvents(sqlite).slice(auditBefore);
    expect(events.map((e) => [e.action, e.subjectType, e.subjectId, e.actorLabel])).toEqual([
      ["service.create", "service", String(svc.id), "system"],
      ["analysis.config_update", "service", String(svc.id), "system"],
      ["promote_gates.update", "service", String(svc.id), "system"],
    ]);
    expect(events[0]!.details).toMatchObject({ name: "mission-control", deployTarget: target, demo: true });
    expect(events[2]!.details).toMatchObject({ service: "mission-control", before: null, after: stored.ok ? stored.config : null });
    expect(verifyAuditChain(sqlite).intact).toBe(true);

    // A second call finds the service: no second service, no new event, the repository untouched.
    const head = git(repo, "rev-parse", "HEAD");
    expect(seedRunbook000Demo(db, dataDir)).toEqual({ seeded: false, reason: "mission-control already exists" });
    expect(listServices(db)).toHaveLength(2);
    expect(auditEvents(sqlite)).toHaveLength(auditBefore + 3);
    expect(git(repo, "rev-parse", "HEAD")).toBe(head);
  });

  it("every tag builds and passes its CI gate in a plain export (no dependencies), and the shas are the same every time", async () => {
    const a = await fresh();
    const b = await fresh();
    const ra = seedRunbook000Demo(a.db, a.dataDir);
    const rb = seedRunbook000Demo(b.db, b.dataDir, { mainPort: 5321 });
    if (!ra.seeded || !rb.seeded) throw new Error("not seeded");
    expect(rb.commits).toEqual(ra.commits);
    for (const { tag } of ra.commits) {
      const dir = path.join(tmp.dir, `export-${tag}`);
      mkdirSync(dir, { recursive: true });
      execFileSync("sh", ["-c", 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', "sh", ra.repo, tag, dir]);
      const node = (...args: string[]) => execFileSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
      node("--check", "server.js");
      expect(node("scripts/build.js")).toContain(`built mission-control ${tag}`);
      expect(node("scripts/ci-gate.js")).toContain(`ci:gate green: mission-control ${tag}`);
    }
    expect(deployTargetSchema.parse(JSON.parse(findServiceByName(b.db, "mission-control")!.deployTarget))).toMatchObject({ mainPort: 5321, canaryPort: 5322 });
  });

  it("takes main's port from FLIGHTDECK_DEMO_MISSION_CONTROL_PORT; a port the form refuses, or no git, skips the service with the reason and writes nothing", async () => {
    process.env.FLIGHTDECK_DEMO_MISSION_CONTROL_PORT = "5401";
    const ok = await fresh();
    expect(seedRunbook000Demo(ok.db, ok.dataDir).seeded).toBe(true);
    expect(deployTargetSchema.parse(JSON.parse(findServiceByName(ok.db, "mission-control")!.deployTarget))).toMatchObject({ mainPort: 5401, canaryPort: 5402 });

    process.env.FLIGHTDECK_DEMO_MISSION_CONTROL_PORT = "80";
    const low = await fresh();
    const refused = seedRunbook000Demo(low.db, low.dataDir);
    expect(refused).toEqual({ seeded: false, reason: expect.stringContaining("Port must be 1024 or above.") as string });
    expect(listServices(low.db)).toHaveLength(0);
    expect(auditEvents(low.sqlite)).toHaveLength(0);
    delete process.env.FLIGHTDECK_DEMO_MISSION_CONTROL_PORT;

    const noGit = await fresh();
    const pathBefore = process.env.PATH;
    process.env.PATH = path.join(tmp.dir, "empty-bin");
    let skipped;
    try {
      skipped = seedRunbook000Demo(noGit.db, noGit.dataDir);
    } finally {
      process.env.PATH = pathBefore;
    }
    expect(skipped).toEqual({ seeded: false, reason: "git is not installed (runbook 000's versions are commits of a git repository)" });
    expect(listServices(noGit.db)).toHaveLength(0);
    expect(auditEvents(noGit.sqlite)).toHaveLength(0);
  });
});
