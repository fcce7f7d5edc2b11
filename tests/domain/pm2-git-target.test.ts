import { describe, expect, it } from "vitest";
import { deployTargetJsonSchema, deployTargetSchema, validTagName } from "@/lib/domain/deploy-target";

// The pm2 deploy target's runbook 000 fields (issue 13 items 1-2): name, git, proxy.
const base = { driver: "pm2", script: "server.js", mainPort: 3005, canaryPort: 3006 };
const messages = (v: object) => {
  const r = deployTargetJsonSchema.safeParse(JSON.stringify(v));
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("pm2 target from git", () => {
  it("fills in the git defaults (build npm run build, 5 releases, deploy-candidate tag, 600 s)", () => {
    expect(deployTargetSchema.parse({ ...base, name: "mission-control", git: { repo: "/srv/git/mission-control.git" } })).toEqual({
      ...base,
      healthPath: "/health",
      name: "mission-control",
      git: { repo: "/srv/git/mission-control.git", build: "npm run build", keepReleases: 5, tagPattern: "deploy-candidate-{{environment}}-{{shortSha}}", buildTimeoutSeconds: 600 },
    });
  });

  it("keeps a target without git as it was (script + VERSION)", () => {
    expect(deployTargetSchema.parse(base)).toEqual({ ...base, healthPath: "/health" });
  });

  it.each<{ name: string; input: object; message: string | RegExp }>([
    { name: "app name with a space", input: { ...base, name: "mission control" }, message: /^Name: PM2 name may use letters, digits, dot, dash and underscore/ },
    { name: "app name starting with a dash", input: { ...base, name: "-x" }, message: /^Name: PM2 name may use/ },
    { name: "empty repository", input: { ...base, git: { repo: " " } }, message: "Git, repo: Repository cannot be empty: give a local path or a URL." },
    { name: "repository that looks like an option", input: { ...base, git: { repo: "--upload-pack=x" } }, message: "Git, repo: Repository cannot start with -." },
    { name: "keep 0 releases", input: { ...base, git: { repo: "/r", keepReleases: 0 } }, message: "Git, keep releases: Keep at least 1 release." },
    { name: "unknown tag placeholder", input: { ...base, git: { repo: "/r", tagPattern: "deploy-{{branch}}" } }, message: /^Git, tag pattern: Tag pattern may use only \{\{service\}\}/ },
    { name: "tag pattern with a space", input: { ...base, git: { repo: "/r", tagPattern: "deploy {{shortSha}}" } }, message: /^Git, tag pattern: Tag pattern does not make a valid git tag name/ },
    { name: "build timeout 0", input: { ...base, git: { repo: "/r", buildTimeoutSeconds: 0 } }, message: "Git, build timeout seconds: Build timeout must be at least 1 second." },
    { name: "absolute script with git", input: { ...base, script: "/opt/app/server.js", git: { repo: "/r" } }, message: /^Script: With git, the script is a path inside the release directory/ },
    { name: "script leaving the release dir", input: { ...base, script: "../server.js", git: { repo: "/r" } }, message: /^Script: With git/ },
    { name: "proxy on the main port", input: { ...base, proxy: { listenPort: 3005 } }, message: "Proxy: Proxy port must differ from the main and canary ports." },
    { name: "unknown git key", input: { ...base, git: { repo: "/r", branch: "main" } }, message: /branch/ },
  ])("refuses $name in its own words", ({ input, message }) => {
    const got = messages(input);
    expect(got.length).toBeGreaterThan(0);
    expect(got.some((m) => (typeof message === "string" ? m === message : message.test(m))), got.join(" | ")).toBe(true);
  });

  it.each([
    ["deploy-candidate-production-abc1234", true],
    ["releases/2026-12-02", true],
    ["a..b", false],
    ["ends.", false],
    ["x.lock", false],
    ["-lead", false],
    ["with space", false],
    ["colon:x", false],
    ["a//b", false],
  ])("tag name %s valid: %s (git check-ref-format rules)", (name, ok) => {
    expect(validTagName(name)).toBe(ok);
  });
});
