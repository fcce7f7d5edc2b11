import { describe, expect, it } from "vitest";
import { type Problem, normalizeBaseUrl, problemOf } from "@/scripts/cli/lib/client";
import { EXIT, exitForProblem, exitForStatus } from "@/scripts/cli/lib/exit-codes";
import { type Rollout, formatDuration, formatOutcome, formatPlan, formatProgress, problemLines, progressKey, progressOf } from "@/scripts/cli/lib/format";
import { Reporter, outputMode } from "@/scripts/cli/lib/reporter";

// The CLI's pure parts (issue 11, N2): exit codes, progress and error lines, output modes.

const rollout = (over: Partial<Rollout> = {}): Rollout => ({
  id: 12,
  service: "sample-api",
  environment: "staging",
  fromVersion: "1.0.0",
  toVersion: "1.1.0",
  status: "running",
  stepIndex: 1,
  phase: "hold",
  weight: 25,
  reason: null,
  plan: [{ kind: "deploy" }, { kind: "shift", weight: 25, holdMs: 60_000 }, { kind: "shift", weight: 100, holdMs: 0 }, { kind: "promote" }],
  holdEndsAt: 1_000_000 + 42_000,
  holdRemainingMs: null,
  version: 5,
  releaseId: null,
  createdAt: 900_000,
  updatedAt: 990_000,
  finishedAt: null,
  links: { self: "/api/v1/rollouts/12", live: "/api/v1/rollouts/12/live", metrics: "", decisions: "", deployLog: "" },
  ...over,
});

describe("exit codes", () => {
  it.each([
    [403, "BLOCKED", EXIT.blocked],
    [401, "UNAUTHENTICATED", EXIT.auth],
    [403, "FORBIDDEN", EXIT.auth],
    [400, "INVALID", EXIT.usage],
    [422, "INVALID", EXIT.usage],
    [404, "NOT_FOUND", EXIT.usage],
    [409, "CONFLICT", EXIT.failed],
    [412, "PRECONDITION_FAILED", EXIT.failed],
    [428, "PRECONDITION_FAILED", EXIT.failed],
    [500, "INTERNAL", EXIT.unreachable],
    [502, undefined, EXIT.unreachable],
    [401, undefined, EXIT.auth],
    [404, undefined, EXIT.usage],
  ] as const)("HTTP %i %s -> %i", (status, code, exit) => {
    expect(exitForProblem(status, code)).toBe(exit);
  });

  it("maps where a rollout ended; null while it moves", () => {
    expect(exitForStatus("succeeded")).toBe(0);
    expect(exitForStatus("rolled_back")).toBe(1);
    expect(exitForStatus("failed")).toBe(1);
    expect(exitForStatus("paused")).toBe(6);
    for (const s of ["pending", "running", "rolling_back"] as const) expect(exitForStatus(s)).toBeNull();
    // A rollback that aborts a live rollout asked for exactly that.
    expect(exitForStatus("rolled_back", { rolledBackIsSuccess: true })).toBe(0);
  });
});

describe("progress", () => {
  it("shows step, weight, verdict and time left in hold (the live view's figure first)", () => {
    const p = progressOf(rollout(), { holdLeftMs: 65_000, verdict: "pass", heldBy: null }, 1_000_000);
    expect(p).toMatchObject({ step: 2, steps: 4, stepLabel: "shift to 25%", weight: 25, verdict: "pass", holdLeftMs: 65_000 });
    expect(formatProgress(p)).toBe("rollout #12 running: step 2/4 shift to 25%, weight 25%, verdict pass, hold 1:05 left");
  });

  it("computes the hold from the stored state without a live view; a paused hold keeps its remainder", () => {
    expect(progressOf(rollout(), null, 1_000_000).holdLeftMs).toBe(42_000);
    const paused = progressOf(rollout({ status: "paused", holdEndsAt: null, holdRemainingMs: 30_000 }), null, 1_000_000);
    expect(formatProgress(paused)).toBe("rollout #12 paused: step 2/4 shift to 25%, weight 25%, hold 0:30 left (paused)");
  });

  it("names what holds a hold whose time is up", () => {
    const p = progressOf(rollout(), { holdLeftMs: 0, verdict: "inconclusive", heldBy: "Waiting for a passing analysis." }, 1_000_000);
    expect(formatProgress(p)).toContain("held: Waiting for a passing analysis.");
  });

  it("a countdown alone is not a new event, nor a count in what holds it; a new step is", () => {
    const a = progressOf(rollout(), null, 1_000_000);
    expect(progressKey(a)).toBe(progressKey(progressOf(rollout(), null, 1_010_000)));
    const held = (n: number) => progressKey(progressOf(rollout(), { holdLeftMs: 0, heldBy: `analysis inconclusive: too few baseline requests (${n} < 100)` }, 1_000_000));
    expect(held(20)).toBe(held(30));
    expect(held(20)).not.toBe(progressKey(progressOf(rollout(), { holdLeftMs: 0, heldBy: "analysis failing" }, 1_000_000)));
    expect(progressKey(a)).not.toBe(progressKey(progressOf(rollout({ stepIndex: 2, weight: 100 }), null, 1_000_000)));
  });

  it.each([
    [0, "0:00"],
    [999, "0:01"],
    [65_000, "1:05"],
    [3_720_000, "1:02:00"],
  ])("formatDuration(%i) = %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("ends with the decision sentence when the rollout did not succeed", () => {
    expect(formatOutcome(rollout({ status: "succeeded" }))).toBe("rollout #12 of sample-api 1.1.0 in staging succeeded.");
    const sentence = "rolled back: canary 5xx 21% (9/43) vs baseline 0% (0/120) > 5% (002-5xx-5, sustained 1.2 s)";
    expect(formatOutcome(rollout({ status: "rolled_back", reason: sentence }))).toBe(`rollout #12 of sample-api 1.1.0 in staging: ${sentence}`);
    expect(formatOutcome(rollout({ status: "rolled_back", reason: "Aborted by cap@example.test" }))).toBe("rollout #12 of sample-api 1.1.0 in staging rolled back: Aborted by cap@example.test");
    expect(formatOutcome(rollout({ status: "failed", reason: null }))).toBe("rollout #12 of sample-api 1.1.0 in staging failed.");
    expect(formatOutcome(rollout({ status: "paused", reason: null }))).toContain("paused and waiting for a person");
  });
});

describe("problems", () => {
  it("prints a policy block's reasons and requires verbatim", () => {
    const problem: Problem = {
      status: 403,
      code: "BLOCKED",
      detail: "Production actions require explicit override.",
      reasons: ["Production actions require explicit override."],
      requires: ["override:deploy.canary.start@production"],
      requestId: "r1",
    };
    expect(problemLines(problem, problem.detail!)).toEqual([
      "Blocked by policy:",
      "  reason: Production actions require explicit override.",
      "  requires: override:deploy.canary.start@production",
      "  (request id r1)",
    ]);
  });

  it("prints field errors by field", () => {
    const problem: Problem = { status: 400, code: "INVALID", title: "Invalid request", detail: "Please correct the highlighted fields.", fieldErrors: { version: ["Enter the version to roll out."] } };
    expect(problemLines(problem, problem.detail!)).toEqual(["Invalid request (HTTP 400 INVALID): Please correct the highlighted fields.", "  version: Enter the version to roll out."]);
  });

  it("reads a problem out of any answer, JSON or not", async () => {
    const json = new Response(JSON.stringify({ status: 403, code: "BLOCKED", detail: "x", reasons: ["a"], requires: ["b"], stack: "never read" }), { status: 403 });
    expect(await problemOf(json)).toEqual({ status: 403, code: "BLOCKED", detail: "x", reasons: ["a"], requires: ["b"] });
    expect(await problemOf(new Response("<html>Bad gateway</html>", { status: 502 }))).toEqual({ status: 502 });
  });
});

describe("rollback plan", () => {
  it("prints from, to, source and the steps, saying nothing changed", () => {
    const lines = formatPlan({ ok: true, service: "sample-api", environment: "staging", kind: "redeploy", from: "1.1.0", to: "1.0.0", source: "last known good before the current version", steps: ["Deploy 1.0.0 beside 1.1.0", "Smoke-check 1.0.0"] });
    expect(lines).toEqual([
      "Rollback plan of sample-api in staging (dry run: nothing was changed)",
      "  from:   1.1.0",
      "  to:     1.0.0",
      "  source: last known good before the current version",
      "  steps:",
      "    1. Deploy 1.0.0 beside 1.1.0",
      "    2. Smoke-check 1.0.0",
    ]);
    expect(formatPlan({ ok: true, service: "sample-api", environment: "staging", kind: "redeploy", from: "1.1.0", to: "1.0.0", source: "x", steps: [] }, true)[0]).toBe("Rolling back sample-api in staging by this plan:");
    expect(formatPlan({ ok: false, service: "sample-api", environment: "staging", reason: "No earlier version." })).toEqual(["No rollback plan for sample-api in staging: No earlier version."]);
  });
});

describe("base URL", () => {
  it("keeps a path prefix and refuses what is not http(s)", () => {
    expect(normalizeBaseUrl("https://ops.example.com/flightdeck/")).toBe("https://ops.example.com/flightdeck");
    expect(() => normalizeBaseUrl("localhost:3000")).toThrow(/http\(s\)/);
    expect(() => normalizeBaseUrl("not a url")).toThrow(/Not a URL/);
  });
});

describe("output", () => {
  const sink = (isTTY = false) => {
    const chunks: string[] = [];
    return { chunks, isTTY, write: (s: string) => chunks.push(s) };
  };

  it("--json wins; a terminal gets the rewritten line, anything else plain lines", () => {
    expect(outputMode(true, sink(true))).toBe("json");
    expect(outputMode(false, sink(true))).toBe("tty");
    expect(outputMode(undefined, sink(false))).toBe("plain");
  });

  it("rewrites the progress line in place on a TTY and ends it before the next line", () => {
    const out = sink(true);
    const r = new Reporter("tty", out, sink());
    r.progress(progressOf(rollout(), null, 1_000_000));
    r.progress(progressOf(rollout(), null, 1_001_000));
    r.event("done", {}, "rollout #12 of sample-api 1.1.0 in staging succeeded.");
    const CLEAR = "\r\u001b[2K";
    expect(out.chunks[0]).toBe(`${CLEAR}rollout #12 running: step 2/4 shift to 25%, weight 25%, hold 0:42 left`);
    expect(out.chunks[1]).toBe(`${CLEAR}rollout #12 running: step 2/4 shift to 25%, weight 25%, hold 0:41 left`);
    expect(out.chunks.slice(2)).toEqual(["\n", "rollout #12 of sample-api 1.1.0 in staging succeeded.\n"]);
  });

  it("cuts a progress line to the terminal's width, so rewriting it never leaves wrapped rows behind", () => {
    const out = { ...sink(true), columns: 40 };
    new Reporter("tty", out, sink()).progress(progressOf(rollout(), { holdLeftMs: 0, heldBy: "analysis inconclusive: too few baseline requests" }, 1_000_000));
    expect(out.chunks[0]).toBe("\r\u001b[2Krollout #12 running: step 2/4 shift to…");
    expect(out.chunks[0]!.length - "\r\u001b[2K".length).toBe(39);
  });

  it("prints a plain line or a JSON object only when something changed", () => {
    for (const mode of ["plain", "json"] as const) {
      const out = sink();
      let now = 1_000_000;
      const r = new Reporter(mode, out, sink(), () => now);
      r.progress(progressOf(rollout(), null, now));
      now += 1000;
      r.progress(progressOf(rollout(), null, now));
      r.progress(progressOf(rollout({ stepIndex: 2, weight: 100, phase: "start", holdEndsAt: null }), null, now));
      expect(out.chunks).toHaveLength(2);
      if (mode === "json") expect(out.chunks.map((c) => (JSON.parse(c) as { event: string; weight: number }).weight)).toEqual([25, 100]);
    }
  });

  it("errors: stderr lines for people, one JSON object with --json", () => {
    const problem: Problem = { status: 401, code: "UNAUTHENTICATED", title: "Not authenticated", detail: "Please sign in." };
    const err = { exitCode: EXIT.auth, message: "Please sign in.", problem } as never;
    const out = sink();
    const errOut = sink();
    new Reporter("plain", out, errOut).error(err);
    expect(out.chunks).toEqual([]);
    expect(errOut.chunks).toEqual(["Not authenticated (HTTP 401 UNAUTHENTICATED): Please sign in.\n"]);
    const jsonOut = sink();
    new Reporter("json", jsonOut, sink()).error(err);
    expect(JSON.parse(jsonOut.chunks[0]!)).toEqual({ event: "error", exitCode: 4, message: "Please sign in.", problem });
  });
});
