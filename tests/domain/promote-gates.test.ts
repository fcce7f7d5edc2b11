import { describe, expect, it } from "vitest";
import { DEFAULT_CHECKLIST, configOfInput, criticalRegex, formValuesOf, patternError, promoteGatesInput } from "@/lib/domain/promote-gates/config";
import { type GateResult, formatLeft, logGateResult, overallStatus, refusalReason, scanLog, waitsOnly } from "@/lib/domain/promote-gates/evaluate";

// Runbook 000 section 4 as pure rules: the form's validation, the log scan with context, the log
// gate's three outcomes, and how the gates together refuse or hold promotion.

const form = (fields: Record<string, unknown>) => promoteGatesInput.safeParse({ serviceId: "3", rowVersion: "0", ...fields });

describe("the settings form", () => {
  it("blank is every gate off; defaults fill timeouts, the quiet period and the checklist", () => {
    const parsed = form({});
    expect(parsed.success && configOfInput(parsed.data)).toEqual({ ci: null, smoke: null, logs: null, attestation: null });
    const full = form({ ciKind: "command", ciCommand: " npm run ci:gate ", ciCwd: "/srv/app", smokePaths: "/api/openclaw/status\r\n\n/api/workspaces\n/api/workspaces", logPattern: "FATAL", attestRole: "service_owner" });
    expect(full.success && configOfInput(full.data)).toEqual({
      ci: { kind: "command", command: "npm run ci:gate", cwd: "/srv/app", timeoutMs: 600_000 },
      smoke: { paths: ["/api/openclaw/status", "/api/workspaces"], timeoutMs: 5000 },
      logs: { pattern: "FATAL", quietMs: 600_000 },
      attestation: { role: "service_owner", checklist: [...DEFAULT_CHECKLIST] },
    });
    // What the settings page shows back is what it would save again.
    const config = full.success ? configOfInput(full.data) : null;
    const again = form(formValuesOf(config!));
    expect(again.success && configOfInput(again.data)).toEqual(config);
  });

  it.each([
    [{ logPattern: "(a" }, "logPattern", "The critical pattern is not a valid regular expression: /(a/: Unterminated group."],
    [{ logPattern: "/[z-a]/" }, "logPattern", "The critical pattern is not a valid regular expression: /[z-a]/: Range out of order in character class."],
    [{ logQuietSeconds: "0" }, "logQuietSeconds", "The quiet period is a whole number of seconds from 1 to 86400 (a day)."],
    [{ logQuietSeconds: "ten" }, "logQuietSeconds", "The quiet period is a whole number of seconds from 1 to 86400 (a day)."],
    [{ ciKind: "command" }, "ciCommand", "Give the command that checks CI for the commit, e.g. npm run ci:gate (at most 2,000 characters)."],
    [{ ciKind: "command", ciCommand: "x", ciCwd: "srv" }, "ciCwd", "The directory must be an absolute path, e.g. /srv/mission-control."],
    [{ ciKind: "url", ciUrl: "ftp://ci/{{commit}}" }, "ciUrl", "Give the CI status URL, e.g. https://ci.example.com/status/{{commit}} (http or https)."],
    [{ ciKind: "sometimes" }, "ciKind", "Choose how the CI gate is checked: none, a command or a URL."],
    [{ smokePaths: "/ok\n/has space" }, "smokePaths", 'Each smoke endpoint is a path starting with /, e.g. /api/workspaces (not "/has space").'],
    [{ attestRole: "boss" }, "attestRole", "Choose the role that attests, or none."],
  ])("refuses %j on its field", (fields, field, message) => {
    const parsed = form(fields);
    expect(parsed.success).toBe(false);
    const issues = parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] === field).map((i) => i.message);
    expect(issues).toEqual([message]);
  });

  it("a pattern with flags is written /.../flags; g and y are dropped (a scan tests each line once)", () => {
    expect(criticalRegex("/fatal/gi").flags).toBe("i");
    expect(criticalRegex("/fatal/i").test("FATAL: x")).toBe(true);
    expect(criticalRegex("FATAL").test("fatal: x")).toBe(false);
    expect(patternError(".*")).toMatch(/matches an empty line/);
    expect(patternError("FATAL|panic")).toBeNull();
  });
});

describe("the log scan", () => {
  const log = ["boot", "listening on 3006", "GET / 200", "FATAL lost the queue", "retry 1", "retry 2", "ok", "panic: nil map", ""].join("\n");

  it("gives each match with 2 lines of context on each side (fewer at the edges)", () => {
    const r = scanLog("canary.log", log, /FATAL|panic/);
    expect(r.total).toBe(2);
    expect(r.lines).toBe(8);
    expect(r.matches).toEqual([
      { file: "canary.log", line: 4, text: "FATAL lost the queue", before: ["listening on 3006", "GET / 200"], after: ["retry 1", "retry 2"] },
      { file: "canary.log", line: 8, text: "panic: nil map", before: ["retry 2", "ok"], after: [] },
    ]);
  });

  it("fails on a match, waits while the quiet period runs, passes after it", () => {
    const base = { pattern: "FATAL", files: ["c.log"], startedAt: 1_000_000, quietMs: 600_000 };
    const hit = scanLog("c.log", log, /FATAL/);
    expect(logGateResult({ ...base, ...hit, now: 1_000_000 + 700_000 })).toMatchObject({ status: "failed", summary: '1 line match the critical pattern FATAL, first: "FATAL lost the queue"' });
    const quiet = scanLog("c.log", "boot\nok\n", /FATAL/);
    expect(logGateResult({ ...base, ...quiet, now: 1_000_000 + 600_000 - 250_000 })).toMatchObject({ status: "pending", summary: "No critical line so far; quiet period 4 min 10 s left" });
    expect(logGateResult({ ...base, ...quiet, now: 1_000_000 + 600_000 })).toMatchObject({ status: "passed", summary: "No line matched FATAL in 2 lines over 10 min" });
  });

  it.each([
    [0, "0 s"],
    [999, "1 s"],
    [61_000, "1 min 1 s"],
    [600_000, "10 min"],
    [3_720_000, "1 h 2 min"],
  ])("formatLeft(%i) = %s", (ms, text) => expect(formatLeft(ms)).toBe(text));
});

describe("all gates together", () => {
  const g = (gate: GateResult["gate"], status: GateResult["status"], summary = "x"): GateResult => ({ gate, status, summary, evidence: {} });

  it.each([
    [[], "passed", null, false],
    [[g("ci", "passed"), g("smoke", "passed")], "passed", null, false],
    [[g("ci", "passed"), g("logs", "pending", "quiet period 2 min left")], "pending", "Promotion waits for its gates: No critical lines in the canary's logs: quiet period 2 min left.", true],
    [
      [g("ci", "failed", "exit 1"), g("logs", "pending", "quiet"), g("attestation", "pending", "waiting")],
      "failed",
      "Promotion refused by its gates: CI gate on the same commit: exit 1. No critical lines in the canary's logs: quiet. Core path validated by a person: waiting.",
      false,
    ],
  ] as const)("%j -> %s", (results, status, reason, waits) => {
    expect(overallStatus(results)).toBe(status);
    expect(refusalReason(results)).toBe(reason);
    expect(waitsOnly(results)).toBe(waits);
  });
});
