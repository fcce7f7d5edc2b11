import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDeployCanary } from "@/scripts/cli/commands/deploy-canary";
import { buildFd } from "@/scripts/cli/commands/fd";
import { buildRollback } from "@/scripts/cli/commands/rollback";
import type { Command } from "commander";
import { type CliIo, runCli } from "@/scripts/cli/lib/program";

// Argument parsing of the three CLI entry points: usage errors exit 2 before any request,
// --help exits 0 with the exit-code table, a missing token exits 4, an unreachable server 7.

function io(): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    sleep: () => Promise.resolve(),
    // Any request here is a bug of the test: the cases below must end before the network.
    fetch: (req) => Promise.reject(new Error(`unexpected request ${req.url}`)),
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

async function run(build: (io: CliIo) => Command, args: string[], over: Partial<CliIo> = {}) {
  const streams = { ...io(), ...over };
  const code = await runCli(build, args, streams);
  return { code, out: streams.out(), err: streams.err() };
}

const token = ["--token", "fdk_test"];

describe("usage", () => {
  it.each([
    ["deploy:canary without --version", buildDeployCanary, ["--service", "sample-api", "--env", "staging", ...token], /required option '--version <version>'/],
    ["deploy:canary with an unknown option", buildDeployCanary, ["--service", "s", "--env", "e", "--version", "1", "--colour", ...token], /unknown option '--colour'/],
    ["deploy:canary with a zero --timeout", buildDeployCanary, ["--service", "s", "--env", "e", "--version", "1", "--wait", "--timeout", "0", ...token], /Give a positive number/],
    ["rollback without --env", buildRollback, ["--service", "sample-api", ...token], /required option '--env <name>'/],
    ["fd without a command", buildFd, [], /Usage: fd/],
    ["fd with an unknown command", buildFd, ["deploy", ...token], /unknown command 'deploy'/],
    ["fd status with a non-numeric id", buildFd, ["status", "abc", ...token], /A rollout id is a positive whole number/],
    ["fd promote without an id", buildFd, ["promote", ...token], /missing required argument 'rolloutId'/],
    ["fd gate mode with an unknown mode", buildFd, ["gate", "mode", "panic", "--reason", "x", ...token], /Allowed choices are monitor, enforce, lockdown/],
    ["fd gate mode without --reason", buildFd, ["gate", "mode", "lockdown", ...token], /required option '--reason <text>'/],
    ["fd override without --ttl", buildFd, ["override", "--action", "deploy.rollback", "--env", "production", "--reason", "incident 42", ...token], /required option '--ttl <minutes>'/],
  ] as const)("%s exits 2 with the reason", async (_name, build, args, message) => {
    const r = await run(build, [...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it("rollback --apply without --reason exits 2 before any request", async () => {
    const r = await run(buildRollback, ["--service", "sample-api", "--env", "staging", "--apply", ...token]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--apply needs --reason");
  });

  it("a strategy file that is missing or not JSON exits 2", async () => {
    const base = ["--service", "sample-api", "--env", "staging", "--version", "1.1.0", ...token];
    const missing = await run(buildDeployCanary, [...base, "--strategy", "/nonexistent/strategy.json"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("Cannot read the strategy file /nonexistent/strategy.json: ENOENT");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "fd-cli-")), "strategy.json");
    writeFileSync(file, "{ kind: canary }");
    const notJson = await run(buildDeployCanary, [...base, "--strategy", file]);
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain(`The strategy file ${file} is not valid JSON`);
  });

  it("--help lists the options and the exit codes, and exits 0", async () => {
    for (const build of [buildDeployCanary, buildRollback, buildFd]) {
      const r = await run(build, ["--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("Exit codes:");
      expect(r.out).toContain("6  paused and waiting for a person");
      expect(r.out).toContain("FLIGHTDECK_TOKEN");
    }
    const sub = await run(buildFd, ["promote", "--help"]);
    expect(sub.out).toMatch(/--force[\s\S]*--wait[\s\S]*--timeout <seconds>/);
  });
});

describe("connection", () => {
  it("no token exits 4 and says where to get one (a JSON error event with --json)", async () => {
    const saved = process.env.FLIGHTDECK_TOKEN;
    delete process.env.FLIGHTDECK_TOKEN;
    try {
      const r = await run(buildFd, ["status", "1"]);
      expect(r.code).toBe(4);
      expect(r.err).toContain("No API token: set FLIGHTDECK_TOKEN");
      const j = await run(buildFd, ["status", "1", "--json"]);
      expect(j.code).toBe(4);
      expect(JSON.parse(j.out)).toMatchObject({ event: "error", exitCode: 4 });
    } finally {
      if (saved !== undefined) process.env.FLIGHTDECK_TOKEN = saved;
    }
  });

  it("a URL that is not one exits 2", async () => {
    const r = await run(buildFd, ["gate", "--url", "localhost:3000", ...token]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Use an http(s) URL");
  });

  it("a server that cannot be reached exits 7 naming the URL, without a stack trace", async () => {
    // A port that was just free: connecting is refused.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(buildFd, ["status", "7", "--url", `http://127.0.0.1:${port}`, ...token], { fetch: undefined });
    expect(r.code).toBe(7);
    expect(r.err).toBe(`Could not reach http://127.0.0.1:${port}/api/v1/rollouts/7: connect ECONNREFUSED 127.0.0.1:${port}.\n`);
    expect(r.out).toBe("");
  });
});
