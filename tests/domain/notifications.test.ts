import { describe, expect, it } from "vitest";
import { URL_MESSAGES, createChannelInput, maskUrl, updateChannelInput } from "@/lib/domain/notifications/channels";
import { DELIVERY_POLICY, backoffDelay, judgeAttempt, parseRetryAfter } from "@/lib/domain/notifications/delivery";
import { EVENT_KINDS, eventKindOf } from "@/lib/domain/notifications/events";
import { DEFAULT_TEMPLATES, TEMPLATE_VARIABLES, parseTemplate, renderTemplate, templateError, templateInput } from "@/lib/domain/notifications/templates";
import { type EventFacts, decisionReason, formatDuration, smokeTestsOf, variablesOf } from "@/lib/domain/notifications/variables";

const NOW = Date.UTC(2026, 5, 10, 12, 0, 0);

describe("which audit events announce what (L2)", () => {
  it.each([
    ["rollout.start", {}, "rollout_started"],
    ["rollout.start", { rollback: true }, "rolled_back"],
    ["rollout.hold_elapsed", {}, "step_passed"],
    ["rollout.abort", { decisionId: 4, automatic: true }, "rolled_back"],
    ["rollout.succeeded", {}, "completed"],
    ["approval.request", {}, "approval_requested"],
    ["gate.blocked", {}, "gate_blocked"],
    ["incident.open", {}, "incident_opened"],
    ["incident.sla_breached", {}, "sla_breached"],
    // A rollback is announced once, when it is initiated: its completion says nothing more.
    ["rollout.rolled_back", {}, null],
    ["rollout.step_succeeded", {}, null],
    ["notification.delivered", {}, null],
    ["auth.sign_in", {}, null],
    ["toString", {}, null],
  ] as const)("%s %j -> %s", (action, details, kind) => {
    expect(eventKindOf(action, details)).toBe(kind);
  });
});

describe("message templates", () => {
  it("every default template uses only its kind's variables", () => {
    for (const kind of EVENT_KINDS) expect(templateError(kind, DEFAULT_TEMPLATES[kind]), kind).toBeNull();
  });

  it("an unknown variable is refused, naming it and the variables the event has", () => {
    const expected = `Unknown variable {{p99}}: a "step_passed" message can use ${TEMPLATE_VARIABLES.step_passed.map((v) => `{{${v}}}`).join(", ")}.`;
    expect(templateError("step_passed", "Phase {{phase}}: p99 {{p99}}")).toBe(expected);
    const parsed = templateInput.safeParse({ eventKind: "step_passed", body: "Phase {{phase}}: p99 {{p99}}" });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toEqual([expect.objectContaining({ path: ["body"], message: expected })]);
    expect(templateError("rolled_back", "{{reason}} {{foo}} {{bar}} {{foo}}")).toMatch(/^Unknown variables \{\{foo\}\}, \{\{bar\}\}: a "rolled_back" message can use \{\{service\}\}/);
  });

  it("a broken placeholder is refused with where it is", () => {
    expect(templateError("completed", "v{{version} deployed")).toBe('A "{{" is not closed (near "{{version} deployed").');
    expect(templateError("completed", "v{{ver sion}}")).toBe('"{{ver sion}}" is not a variable name: use letters and digits, e.g. {{service}}.');
    expect(templateError("completed", "done }} now")).toMatch(/^A "\}\}" has no "\{\{" before it/);
    expect(parseTemplate("a {{ service }} b")).toEqual({ ok: true, pieces: [{ text: "a " }, { variable: "service" }, { text: " b" }] });
  });

  it("renders values, n/a for what the event did not have; an empty template means the default", () => {
    expect(renderTemplate("{{service}} v{{version}} ({{environment}})", { service: "api", version: "1.2.0", environment: null })).toBe("api v1.2.0 (n/a)");
    expect(templateInput.parse({ eventKind: "completed", body: "   " })).toEqual({ eventKind: "completed", body: "" });
  });
});

const rollout = { toVersion: "1.1.0", fromVersion: "1.0.0", strategyKind: "canary", shifts: [5, 10, 25, 50, 100].map((weight) => ({ weight, holdMs: weight === 100 ? 0 : 1_800_000 })), createdAt: NOW - 3_600_000 };
const facts = (f: Partial<EventFacts> & Pick<EventFacts, "kind">): EventFacts => ({ at: NOW, actor: "Casey Captain", subject: "rollout 7", environment: "production", details: {}, service: "checkout", rollout, ...f });

describe("the default texts with the live numbers (runbooks 002 and 004)", () => {
  const text = (f: EventFacts) => renderTemplate(DEFAULT_TEMPLATES[f.kind], variablesOf(f));

  it("runbook 002's phase message", () => {
    const f = facts({ kind: "step_passed", details: { stepIndex: 2, weight: 5 }, live: { p95: 449.6, errorRate: 0.1 } });
    expect(text(f)).toBe("✅ Canary deployment Phase 1 (5%) successful. P95: 450ms, Error rate: 0.1% (checkout v1.1.0 in production).");
  });

  it("runbook 002's rollback message with the decision's numbers, in runbook 004's rollback text", () => {
    const f = facts({ kind: "rolled_back", details: { decisionId: 3, automatic: true }, decision: { metric: "p95_ms", canaryValue: 812.4, threshold: 600, sentence: "canary p95 812 ms > 600 ms" } });
    expect(text(f)).toBe("🚨 ROLLBACK INITIATED: P95 latency 812ms exceeded 600ms threshold. Initiating rollback of checkout v1.1.0 in production. ETA to restore: 15 minutes.");
    expect(variablesOf(f)).toMatchObject({ value: "812ms", threshold: "600ms", metric: "p95_ms", restoreVersion: "1.0.0" });
    expect(decisionReason({ metric: "error_rate", canaryValue: 20, threshold: 5, sentence: "x" })).toBe("Error rate 20% exceeded 5% threshold");
    expect(decisionReason({ metric: null, canaryValue: null, threshold: null, sentence: "score 40 < 60" })).toBe("score 40 < 60");
  });

  it("a manual rollback gives its reason", () => {
    expect(variablesOf(facts({ kind: "rolled_back", details: { event: { type: "abort", reason: "Memory leak in checkout" } } })).reason).toBe("Memory leak in checkout");
  });

  it("runbook 004's start and complete messages", () => {
    expect(text(facts({ kind: "rollout_started" }))).toBe("🚀 Deploying checkout v1.1.0 to production. Expected duration 2 h. Release Captain: Casey Captain.");
    const done = facts({ kind: "completed", smokeLine: "smoke passed: http://127.0.0.1:4100/health: HTTP 200 (3 ms); http://127.0.0.1:4100/ready: HTTP 200 (2 ms)" });
    expect(text(done)).toBe("🎉 checkout v1.1.0 deployed to production. Key smoke tests passed: /health, /ready.");
    expect(smokeTestsOf(null)).toBeNull();
    expect([formatDuration(45_000), formatDuration(60_000), formatDuration(30 * 60_000), formatDuration(150 * 60_000)]).toEqual(["45 seconds", "1 minute", "30 minutes", "2 h 30 min"]);
  });
});

describe("delivery: backoff with jitter, Retry-After, what is retried", () => {
  const at = (result: Parameters<typeof judgeAttempt>[0], attempt = 1, random = 0.5) => judgeAttempt(result, attempt, { now: NOW, random });

  it("2xx delivers", () => {
    expect(at({ kind: "response", status: 200 })).toEqual({ outcome: "delivered" });
    expect(at({ kind: "response", status: 204 })).toEqual({ outcome: "delivered" });
  });

  it("network errors, 5xx and 429 are retried with exponential backoff and jitter", () => {
    expect(at({ kind: "response", status: 500 })).toEqual({ outcome: "retry", delayMs: 1500, why: "HTTP 500; retrying with backoff." });
    expect(at({ kind: "network", error: "ECONNREFUSED" }, 2)).toEqual({ outcome: "retry", delayMs: 3000, why: "no answer (ECONNREFUSED); retrying with backoff." });
    expect(at({ kind: "response", status: 429 }, 3, 0)).toMatchObject({ outcome: "retry", delayMs: 4000 });
    // Jitter: between half and all of base * 2^(n-1), capped.
    expect([backoffDelay(1, 0), backoffDelay(1, 0.999999), backoffDelay(4, 0), backoffDelay(4, 1)]).toEqual([1000, 2000, 8000, 16000]);
    expect(backoffDelay(30, 1)).toBe(DELIVERY_POLICY.maxDelayMs);
  });

  it("Retry-After is honoured, in seconds or as a date, and capped", () => {
    expect(at({ kind: "response", status: 429, retryAfter: "7" })).toMatchObject({ outcome: "retry", delayMs: 7000 });
    expect(at({ kind: "response", status: 503, retryAfter: new Date(NOW + 90_000).toUTCString() })).toMatchObject({ outcome: "retry", delayMs: 90_000 });
    expect(at({ kind: "response", status: 429, retryAfter: "999999" })).toMatchObject({ delayMs: DELIVERY_POLICY.maxRetryAfterMs });
    expect([parseRetryAfter("soon", NOW), parseRetryAfter(null, NOW), parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)]).toEqual([null, null, 0]);
  });

  it.each([301, 400, 401, 403, 404, 410, 422])("HTTP %i is not retried", (status) => {
    expect(at({ kind: "response", status })).toEqual({ outcome: "failed", why: `HTTP ${status} is not retried: the channel refused the message.` });
  });

  it("gives up after the last attempt", () => {
    expect(at({ kind: "response", status: 502 }, DELIVERY_POLICY.maxAttempts)).toEqual({ outcome: "failed", why: `HTTP 502; gave up after ${DELIVERY_POLICY.maxAttempts} attempts.` });
  });
});

describe("webhook URLs", () => {
  it("only http(s) URLs are taken, each refusal with its reason", () => {
    for (const url of ["ftp://hooks.example/x", "file:///etc/passwd", "javascript:alert(1)", "mailto:ops@example.com"]) {
      const r = createChannelInput.safeParse({ name: "#ops", kind: "slack", url });
      expect(r.error?.issues.map((i) => [i.path, i.message]), url).toEqual([[["url"], URL_MESSAGES.scheme]]);
    }
    expect(createChannelInput.safeParse({ name: "#ops", kind: "slack", url: "hooks.slack.com/x" }).error?.issues[0]?.message).toBe(URL_MESSAGES.notUrl);
    expect(createChannelInput.parse({ name: " #ops ", kind: "webhook", url: " https://hooks.example/T1/B2/secret " })).toEqual({ name: "#ops", kind: "webhook", url: "https://hooks.example/T1/B2/secret" });
    expect(updateChannelInput.parse({ id: "1", rowVersion: "1", name: "#ops", kind: "slack", url: "" })).toMatchObject({ url: null, enabled: false });
  });

  it("are shown masked: scheme and host, never the path's secret or credentials", () => {
    expect(maskUrl("https://hooks.slack.com/services/T000/B000/XXXXXXXXsecret1234")).toBe("https://hooks.slack.com/…1234");
    expect(maskUrl("https://user:pw@example.com/")).toBe("https://example.com");
    expect(maskUrl("not a url")).toBe("…");
  });
});
