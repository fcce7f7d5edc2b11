import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext } from "@playwright/test";
import { BASE_URL, ROOT } from "./server";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run -s <script> -- ...args` against the suite's server, as CI would, with the token in
 * FLIGHTDECK_TOKEN. Resolves when the process exits (never killed: the CLI must end by itself).
 */
export function cli(script: "deploy:canary" | "rollback" | "fd", args: readonly string[], token: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", script, "--", ...args], {
      cwd: ROOT,
      env: { ...process.env, FLIGHTDECK_URL: BASE_URL, FLIGHTDECK_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A strategy file: canary steps of [weight %, hold seconds]. */
export function strategyFile(dir: string, name: string, steps: readonly (readonly [number, number])[]): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ kind: "canary", steps: steps.map(([weight, holdSeconds]) => ({ weight, holdSeconds })) }));
  return file;
}

export interface RolloutBody {
  id: number;
  status: string;
  toVersion: string;
  fromVersion: string | null;
  reason: string | null;
  weight: number;
  phase: string;
}

export async function getJson<T>(request: APIRequestContext, url: string, token: string): Promise<T> {
  const res = await request.get(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status(), `${url}: ${await res.text()}`).toBe(200);
  return (await res.json()) as T;
}

export const rollouts = (request: APIRequestContext, token: string, environment: string) =>
  getJson<{ items: RolloutBody[] }>(request, `/api/v1/rollouts?environment=${environment}&limit=200`, token).then((b) => b.items);

/** Waits (on state) until no rollout of the environment is live, so the next one may start. */
export async function waitIdle(request: APIRequestContext, token: string, environment: string): Promise<void> {
  await expect
    .poll(async () => (await rollouts(request, token, environment)).filter((r) => !["succeeded", "rolled_back"].includes(r.status)).map((r) => `#${r.id} ${r.status}`), {
      timeout: 60_000,
      message: `rollouts still live in ${environment}`,
    })
    .toEqual([]);
}

/** The id in "Started rollout #12: ..." (or a --json `started` event). */
export function startedId(out: string): number {
  const m = /rollout #(\d+)/.exec(out);
  expect(m, out).not.toBeNull();
  return Number(m![1]);
}
