/**
 * The demo repository of runbook 000 (db/seed-runbook-000.ts): a tiny Mission Control HTTP app
 * with no dependencies (no npm install), in three tagged commits. 1.1.0 answers 200 everywhere
 * but logs a CRITICAL line on every request: only the promote gates' log scan catches it.
 */

export interface DemoVersion {
  tag: string;
  /** Logs a line matching the critical pattern on every request. */
  bad: boolean;
  message: string;
  /** Fixed author and commit date: the same repository (and shas) every time it is made. */
  date: string;
}

export const MISSION_CONTROL_VERSIONS: readonly DemoVersion[] = [
  { tag: "1.0.0", bad: false, message: "1.0.0: status, workspaces and the task core path", date: "2026-01-05T09:00:00Z" },
  {
    tag: "1.1.0",
    bad: true,
    message: "1.1.0: pooled task-store client\n\nDemo of runbook 000: every request logs a CRITICAL line while the endpoints still answer 200,\nso only the promote gates' log scan (critical pattern CRITICAL) refuses it.",
    date: "2026-01-12T09:00:00Z",
  },
  { tag: "1.2.0", bad: false, message: "1.2.0: task-store client fixed; status reports uptime", date: "2026-01-19T09:00:00Z" },
];

/** The line 1.1.0 logs on every request (what the log gate shows as its first match). */
export const criticalLine = (tag: string) => `CRITICAL: lost the connection to the task store (${tag}); serving a stale cache`;

const server = (v: DemoVersion) => `// Mission Control ${v.tag}: the demo app of Flightdeck's runbook 000 (no dependencies).
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

const RELEASE = ${JSON.stringify(v.tag)};
// What Flightdeck deployed (a tag or a commit) and the commit it resolved to.
const version = process.env.VERSION || RELEASE;
const commit = process.env.COMMIT || "";
const buildFile = path.join(__dirname, "dist", "build.json");
const build = fs.existsSync(buildFile) ? JSON.parse(fs.readFileSync(buildFile, "utf8")) : null;
const startedAt = Date.now();
const tasks = new Map();
let nextId = 1;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// The core path of runbook 000 section 4: task create -> orchestrate (hitl_review) -> approve (completed).
const NEXT = { orchestrate: ["created", "hitl_review"], approve: ["hitl_review", "completed"] };

http
  .createServer((req, res) => {
    const url = new URL(req.url || "/", "http://localhost");
${v.bad ? `    console.error(${JSON.stringify(`${criticalLine(v.tag)} (`)} + req.method + " " + url.pathname + ")");\n` : ""}    if (req.method === "GET" && (url.pathname === "/api/openclaw/status" || url.pathname === "/health")) {
      return send(res, 200, { status: "ok", service: "mission-control", version, release: RELEASE, commit, built: build !== null${v.tag === "1.2.0" ? ", uptimeSeconds: Math.round((Date.now() - startedAt) / 1000)" : ""} });
    }
    if (req.method === "GET" && url.pathname === "/api/workspaces") {
      return send(res, 200, { version, workspaces: [{ id: "ops", name: "Operations" }, { id: "launch", name: "Launch" }] });
    }
    if (req.method === "POST" && url.pathname === "/api/tasks") {
      const task = { id: nextId++, state: "created" };
      tasks.set(task.id, task);
      return send(res, 201, task);
    }
    const step = /^\\/api\\/tasks\\/(\\d+)\\/(orchestrate|approve)$/.exec(url.pathname);
    if (req.method === "POST" && step) {
      const task = tasks.get(Number(step[1]));
      if (!task) return send(res, 404, { error: "no such task" });
      const [from, to] = NEXT[step[2]];
      if (task.state !== from) return send(res, 409, { error: "task " + task.id + " is " + task.state + ", not " + from });
      task.state = to;
      return send(res, 200, task);
    }
    send(res, 404, { error: "not found" });
  })
  .listen(Number(process.env.PORT), "127.0.0.1", () => console.log("mission-control " + version + " (" + RELEASE + ") listening on " + process.env.PORT));
`;

const BUILD = `// \`npm run build\` (runbook 000 section 3): writes dist/build.json; nothing to install.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const pkg = require("../package.json");
const dist = path.join(__dirname, "..", "dist");
fs.mkdirSync(dist, { recursive: true });
fs.writeFileSync(path.join(dist, "build.json"), JSON.stringify({ name: pkg.name, version: pkg.version, builtAt: new Date().toISOString() }, null, 2));
console.log("built " + pkg.name + " " + pkg.version + " into dist/build.json");
`;

const CI_GATE = `// \`npm run ci:gate\` (runbook 000 section 4: CI gate green on the same commit): the build is there and server.js parses.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const root = path.join(__dirname, "..");
const pkg = require("../package.json");
if (!fs.existsSync(path.join(root, "dist", "build.json"))) {
  console.error("ci:gate red: dist/build.json is missing (run npm run build first)");
  process.exit(1);
}
execFileSync(process.execPath, ["--check", path.join(root, "server.js")], { stdio: "inherit" });
console.log("ci:gate green: " + pkg.name + " " + pkg.version + " is built and server.js parses");
`;

const README = `# Mission Control (Flightdeck demo)

Made by Flightdeck's demo seed for runbook 000: a PM2 canary on its own port, promote gates,
rollback to the last good commit. Tags: 1.0.0 (good), 1.1.0 (logs a CRITICAL line on every
request), 1.2.0 (good). Endpoints: GET /api/openclaw/status (health), GET /api/workspaces,
POST /api/tasks, POST /api/tasks/<id>/orchestrate, POST /api/tasks/<id>/approve.
`;

/** The files of version `v`, by path inside the repository. */
export function missionControlFiles(v: DemoVersion): Record<string, string> {
  const pkg = { name: "mission-control", version: v.tag, private: true, scripts: { start: "node server.js", build: "node scripts/build.js", "ci:gate": "node scripts/ci-gate.js" } };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "server.js": server(v),
    "scripts/build.js": BUILD,
    "scripts/ci-gate.js": CI_GATE,
    "README.md": README,
    ".gitignore": "dist/\nnode_modules/\n",
  };
}
