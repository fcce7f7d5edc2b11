// Who runs admin-defined shell commands (migrations, command-driver templates) when Flightdeck
// runs as root (lib/drivers/shell.ts refuses root unless FLIGHTDECK_ALLOW_ROOT_COMMANDS=1).
// `npm start` and the e2e server default FLIGHTDECK_COMMAND_USER to `nobody` then, when it exists.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

function userExists(name) {
  try {
    if (readFileSync("/etc/passwd", "utf8").split("\n").some((l) => l.split(":")[0] === name)) return true;
  } catch {
    // no /etc/passwd: ask getent
  }
  return spawnSync("getent", ["passwd", name], { stdio: "ignore" }).status === 0;
}

/** Environment additions: FLIGHTDECK_COMMAND_USER=nobody for a root process that set neither setting. */
export function commandUserDefaults(env = process.env) {
  if (process.getuid?.() !== 0) return {};
  if (env.FLIGHTDECK_COMMAND_USER || env.FLIGHTDECK_ALLOW_ROOT_COMMANDS === "1") return {};
  if (!userExists("nobody")) {
    console.warn("Flightdeck runs as root and there is no user `nobody`: set FLIGHTDECK_COMMAND_USER (or FLIGHTDECK_ALLOW_ROOT_COMMANDS=1), or migrations and command-driver steps are refused.");
    return {};
  }
  return { FLIGHTDECK_COMMAND_USER: "nobody" };
}
