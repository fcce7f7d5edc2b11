import { describe, expect, it } from "vitest";
import {
  DEFAULT_HOOK_BODY,
  HOOK_MESSAGES,
  createHookInput,
  describeAttempt,
  hookBody,
  hookBodyError,
  hookVariables,
  holdReason,
  stageAt,
  updateHookInput,
} from "@/lib/domain/hooks/step-hooks";
import { flagEndpointInput } from "@/lib/domain/flags/external";
import { renderJsonTemplate } from "@/lib/domain/hooks/templates";
import { URL_MESSAGES } from "@/lib/domain/notifications/channels";
import { initialState, transition } from "@/lib/domain/rollout/machine";
import { planOf } from "@/lib/domain/rollout/strategy";

const plan = planOf({ kind: "canary", steps: [{ weight: 25, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] });
const vars = hookVariables({ service: "sample-api", environment: "staging", version: '1.2.0"; drop', fromVersion: null, weight: 25, stepIndex: 1, rolloutId: 9 });
const form = (over: Record<string, unknown> = {}) => ({ serviceId: "3", name: "load-test", stage: "per_step", url: "https://ci.example.com/hooks/secret-token", ...over });
const fieldErrors = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));

describe("when hooks run (plan deploy -> shift 25 -> shift 100 -> promote)", () => {
  it.each([
    [0, "before", "pre_rollout"],
    [0, "after", null],
    [1, "before", null],
    [1, "after", "per_step"],
    [2, "after", "per_step"],
    [3, "before", "pre_promotion"],
    [3, "after", null],
    [9, "before", null],
  ] as const)("step %i %s its work: %s", (i, moment, stage) => {
    expect(stageAt(plan, i, moment)).toBe(stage);
  });
});

describe("body templates", () => {
  it("the default body is JSON with every variable; values are JSON-escaped, numbers stay numbers", () => {
    expect(JSON.parse(hookBody({ method: "POST", bodyTemplate: null }, vars)!)).toEqual({ service: "sample-api", environment: "staging", version: '1.2.0"; drop', fromVersion: "", weight: 25, step: 2, rolloutId: 9 });
    expect(hookBody({ method: "GET", bodyTemplate: null }, vars)).toBeUndefined();
    expect(renderJsonTemplate('{"v": "{{version}}", "w": {{weight}}}', vars)).toBe('{"v": "1.2.0\\"; drop", "w": 25}');
    expect(hookBodyError(DEFAULT_HOOK_BODY)).toBeNull();
  });

  it.each([
    ['{"flag": "{{flag}}"}', /Unknown variable \{\{flag\}\}: the body can use \{\{service\}\}, .*\{\{rolloutId\}\}\./],
    ['{"service": {{service}}}', /The body must be JSON once its variables are filled in/],
    ['{"a": "{{service"}', /A "\{\{" is not closed/],
    ["not json", /The body must be JSON/],
  ])("%s is refused", (body, message) => {
    expect(hookBodyError(body)).toMatch(message);
  });
});

describe("hook inputs", () => {
  it("defaults: POST, 10 s timeout, no retries, 5 s between attempts, default body", () => {
    expect(createHookInput.parse(form())).toEqual({ serviceId: 3, name: "load-test", stage: "per_step", url: "https://ci.example.com/hooks/secret-token", method: "POST", body: null, timeoutSeconds: 10, retries: 0, retryDelaySeconds: 5 });
  });

  it.each([
    [{ url: "ftp://ci.example.com/x" }, "url", URL_MESSAGES.scheme],
    [{ url: "ci.example.com" }, "url", URL_MESSAGES.notUrl],
    [{ name: " " }, "name", HOOK_MESSAGES.name],
    [{ stage: "post_rollout" }, "stage", HOOK_MESSAGES.stage],
    [{ method: "DELETE" }, "method", HOOK_MESSAGES.method],
    [{ timeoutSeconds: "301" }, "timeoutSeconds", HOOK_MESSAGES.timeout],
    [{ timeoutSeconds: "0" }, "timeoutSeconds", HOOK_MESSAGES.timeout],
    [{ retries: "6" }, "retries", HOOK_MESSAGES.retries],
    [{ retries: "1.5" }, "retries", HOOK_MESSAGES.retries],
    [{ retryDelaySeconds: "-1" }, "retryDelaySeconds", HOOK_MESSAGES.retryDelay],
    [{ method: "GET", body: '{"a": 1}' }, "body", HOOK_MESSAGES.bodyWithGet],
  ])("%o is refused on %s", (over, field, message) => {
    expect(fieldErrors(createHookInput.safeParse(form(over)))[field]).toBe(message);
  });

  it("a parsed input parses again to itself (actions parse, then the service parses what they pass)", () => {
    for (const raw of [form(), form({ body: "", method: "GET" }), form({ body: '{"w": {{weight}}}', retries: "2" })]) {
      const once = createHookInput.parse(raw);
      expect(createHookInput.parse(once)).toEqual(once);
    }
    const update = updateHookInput.parse({ ...form({ url: "" }), id: "4", rowVersion: "2", enabled: "on" });
    expect(updateHookInput.parse(update)).toEqual(update);
    const endpoint = flagEndpointInput.parse({ id: "1", rowVersion: "1", url: "https://flags.example.com/x", body: "" });
    expect(flagEndpointInput.parse(endpoint)).toEqual(endpoint);
    const kept = flagEndpointInput.parse({ id: "1", rowVersion: "1", url: "", body: '{"on": {{enabled}}}', remove: "on" });
    expect(flagEndpointInput.parse(kept)).toEqual(kept);
  });

  it("an update may leave the URL empty (kept) and switches the hook off when unchecked", () => {
    expect(updateHookInput.parse({ ...form({ url: "" }), id: "4", rowVersion: "2" })).toMatchObject({ id: 4, rowVersion: 2, url: null, enabled: false });
  });
});

describe("outcomes", () => {
  it("the hold reason names the hook, its stage, the attempts and the answer", () => {
    expect(describeAttempt({ kind: "response", status: 503, answer: "  load test\n failed " })).toBe("HTTP 503: load test failed");
    expect(describeAttempt({ kind: "network", error: "timed out after 1000 ms" })).toBe("no answer (timed out after 1000 ms)");
    expect(holdReason({ name: "e2e", stage: "pre_promotion" }, { kind: "response", status: 500, answer: "" }, 3)).toBe('Step hook "e2e" (pre-promotion) failed after 3 attempts: HTTP 500');
  });

  it("a hook blocking a shift keeps the weight already set: the step fails, retry re-runs it", () => {
    let s = transition(plan, initialState(), { type: "start" });
    expect(s.ok).toBe(true);
    s = transition(plan, s.ok ? s.next : initialState(), { type: "step_succeeded", at: 1, weight: 0 });
    const running = s.ok ? s.next : initialState();
    expect(running).toMatchObject({ stepIndex: 1, phase: "start" });
    const held = transition(plan, running, { type: "step_blocked", reason: "hook", weight: 25 });
    expect(held).toMatchObject({ ok: true, next: { status: "failed", weight: 25, failedDuring: "step", reason: "hook" }, effects: [] });
    const retried = transition(plan, held.ok ? held.next : running, { type: "retry" });
    expect(retried).toMatchObject({ ok: true, next: { status: "running", stepIndex: 1, phase: "start" }, effects: [{ type: "execute_step", stepIndex: 1 }] });
  });
});
