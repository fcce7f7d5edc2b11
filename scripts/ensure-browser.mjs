// Finds a Chromium for Playwright: $FLIGHTDECK_CHROMIUM, Playwright's own download, /usr/bin/chromium,
// else installs Debian's chromium when running as root with apt-get; otherwise explains what to do.
// Prints the executable path on stdout (exit 0) or the explanation on stderr (exit 1).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

const DEBIAN = "/usr/bin/chromium";

async function playwrightOwn() {
  try {
    const { chromium } = await import("@playwright/test");
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

export async function findBrowser({ install = true } = {}) {
  const fromEnv = process.env.FLIGHTDECK_CHROMIUM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const own = await playwrightOwn();
  if (own) return own;
  if (existsSync(DEBIAN)) return DEBIAN;
  const canApt = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (install && canApt) {
    console.error("installing Debian chromium (apt-get)…");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    let r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
    if (r.status !== 0) {
      spawnSync("apt-get", ["update"], { stdio: "inherit", env });
      r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
    }
    if (r.status === 0 && existsSync(DEBIAN)) return DEBIAN;
  }
  return undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const found = await findBrowser();
  if (found) {
    console.log(found);
  } else {
    console.error(
      "No Chromium found. Install Debian's package (sudo apt-get install chromium), or set FLIGHTDECK_CHROMIUM to a Chromium/Chrome binary. (Playwright's own download needs internet access.)",
    );
    process.exit(1);
  }
}
