import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real git repository made by the test (runbook 000, issue 13 "done when"): a tiny Node HTTP
 * app in three commits: good (1), bad (2: logs "CRITICAL: ..." and fails /api/workspaces), good (3).
 * The build (`node build.js <count file>`) writes build.json into the release directory and appends
 * the commit's label to the count file, so a test sees whether a build ran.
 */
export interface GitApp {
  /** The repository (a local path; a URL works the same for the code under test). */
  repo: string;
  /** Full shas of the three commits, in order. */
  commits: [string, string, string];
  /** The build command to configure (absolute count file path inside). */
  build: string;
  /** Labels of the builds that ran, in order ("good-1", "bad-2", "good-3"). */
  builds(): string[];
  /** Tags in the repository. */
  tags(): string[];
  /** Where the tag points, or null. */
  tagTarget(name: string): string | null;
}

const server = (label: string, bad: boolean) => `// ${label}
const http = require("node:http");
const fs = require("node:fs");
const build = fs.existsSync("build.json") ? JSON.parse(fs.readFileSync("build.json", "utf8")) : null;
const version = process.env.VERSION || "";
const commit = process.env.COMMIT || "";
${bad ? `setInterval(() => console.error("CRITICAL: lost the connection to the task store (${label})"), 1000).unref();\nconsole.error("CRITICAL: lost the connection to the task store (${label})");` : ""}
http
  .createServer((req, res) => {
    const body = JSON.stringify({ label: ${JSON.stringify(label)}, version, commit, built: build !== null });
    if (${bad ? `req.url === "/api/workspaces"` : "false"}) {
      res.writeHead(500, { "content-type": "application/json" });
      return res.end(body);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  })
  .listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening on " + process.env.PORT + " as " + ${JSON.stringify(label)}));
`;

const buildScript = (label: string) => `const fs = require("node:fs");
fs.writeFileSync("build.json", JSON.stringify({ label: ${JSON.stringify(label)}, at: Date.now() }));
fs.appendFileSync(process.argv[2], ${JSON.stringify(label)} + "\\n");
console.log("build of ${label} done");
`;

export function createGitApp(parent = mkdtempSync(path.join(tmpdir(), "fd-git-app-"))): GitApp {
  // Builds may run as an unprivileged user (root CI: nobody), so the count file is world-writable.
  chmodSync(parent, 0o755);
  const repo = path.join(parent, "app");
  mkdirSync(repo, { recursive: true });
  const countFile = path.join(parent, "builds.log");
  writeFileSync(countFile, "");
  chmodSync(countFile, 0o666);
  const g = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "Test", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "Test", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();
  g("init", "--quiet", "--initial-branch=main");
  const commits: string[] = [];
  for (const [label, bad] of [
    ["good-1", false],
    ["bad-2", true],
    ["good-3", false],
  ] as const) {
    writeFileSync(path.join(repo, "server.js"), server(label, bad));
    writeFileSync(path.join(repo, "build.js"), buildScript(label));
    writeFileSync(path.join(repo, "package.json"), JSON.stringify({ name: "mission-control", private: true, version: "1.0.0" }, null, 2));
    g("add", "-A");
    g("commit", "--quiet", "-m", `${label}`);
    commits.push(g("rev-parse", "HEAD"));
  }
  return {
    repo,
    commits: commits as [string, string, string],
    build: `node build.js ${countFile}`,
    builds: () => (existsSync(countFile) ? readFileSync(countFile, "utf8").split("\n").filter(Boolean) : []),
    tags: () => g("tag", "--list").split("\n").filter(Boolean),
    tagTarget: (name) => {
      try {
        return g("rev-parse", "--verify", "--quiet", `refs/tags/${name}^{commit}`);
      } catch {
        return null;
      }
    },
  };
}
