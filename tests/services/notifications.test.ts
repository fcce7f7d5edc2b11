import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveAnalysisState } from "@/db/queries/analysis";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import type { Db } from "@/db/connection";
import { claimNextJob, finishJob, nextDueAt } from "@/db/queries/jobs";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { DEFAULT_ANALYSIS } from "@/lib/domain/analysis/config";
import type { Decision } from "@/lib/domain/analysis/evaluate";
import { URL_MESSAGES, createChannelInput } from "@/lib/domain/notifications/channels";
import { DELIVERY_POLICY, NOTIFICATION_DELIVER_JOB } from "@/lib/domain/notifications/delivery";
import type { EventKind } from "@/lib/domain/notifications/events";
import { TEMPLATE_VARIABLES } from "@/lib/domain/notifications/templates";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ForbiddenError, InvalidError } from "@/lib/errors";
import { notificationHandlers } from "@/lib/jobs/handlers/notifications";
import { autoRollback } from "@/lib/services/analysis/auto-rollback";
import { createChannel } from "@/lib/services/notifications/create-channel";
import { notificationSettings } from "@/lib/services/notifications/notification-settings";
import { sendTestNotification } from "@/lib/services/notifications/send-test-notification";
import { subscribeChannel } from "@/lib/services/notifications/subscribe-channel";
import { updateTemplate } from "@/lib/services/notifications/update-template";
import { applyRolloutEvent } from "@/lib/services/rollouts/apply-rollout-event";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { actorFor, auditEvents, expectRefusedWithoutWrites, lastAuditId } from "../support/db";
import { DEMO, NOW, freshSeededDbPerTest, jobContext, walkRolloutToSuccess } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

const captain = () => actorFor(db, DEMO("captain"));

// ---- a real HTTP receiver (the external boundary) -----------------------------------------------

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering each request with the next scripted answer (the last one repeats). */
async function receiver(script: ({ status: number; headers?: Record<string, string> } | "hang")[]) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      const answer = script[Math.min(received.length - 1, script.length - 1)]!;
      if (answer === "hang") return;
      res.writeHead(answer.status, answer.headers).end(answer.status < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T01/B02/s3cr3tT0k3n`, received };
}

let servers: Server[] = [];
beforeEach(() => {
  servers = [];
});
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

// ---- the worker's delivery jobs, driven on a virtual clock --------------------------------------

/** Runs every delivery job due at `at` as the runner would (claim, handler, finish); returns how many ran. */
async function runDueDeliveries(at: number, opts: { random?: number; timeoutMs?: number } = {}): Promise<number> {
  const handlers = notificationHandlers(db, { now: () => at, random: () => opts.random ?? 0.5, policy: { ...DELIVERY_POLICY, timeoutMs: opts.timeoutMs ?? DELIVERY_POLICY.timeoutMs } });
  let ran = 0;
  for (let job = claimNextJob(db, "test-worker", at, 60_000, [NOTIFICATION_DELIVER_JOB]); job; job = claimNextJob(db, "test-worker", at, 60_000, [NOTIFICATION_DELIVER_JOB])) {
    await handlers[NOTIFICATION_DELIVER_JOB]!(jobContext(db, job));
    finishJob(db, job.id, job.leaseToken, { status: "succeeded", now: at });
    ran++;
  }
  return ran;
}

const dueAt = () => nextDueAt(db, [NOTIFICATION_DELIVER_JOB]);
const messages = () => notificationSettings(db).messages;

function channelFor(url: string, kinds: EventKind[], opts: { kind?: "slack" | "webhook"; environment?: string } = {}) {
  const channel = createChannel(captain(), { name: `#releases-${kinds.join("-")}`, kind: opts.kind ?? "slack", url }, undefined, NOW);
  const environmentId = opts.environment ? findEnvironmentByName(db, opts.environment)!.id : null;
  for (const eventKind of kinds) subscribeChannel(captain(), { channelId: channel.id, eventKind, serviceId: null, environmentId }, undefined, NOW);
  return channel;
}

function stagingRollout(version: string, steps = [{ weight: 5, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }]) {
  const input = startRolloutInput.parse({ serviceId: findServiceByName(db, "sample-api")!.id, environmentId: findEnvironmentByName(db, "staging")!.id, version, strategy: { kind: "canary", steps }, idempotencyKey: `notify-${version}` });
  return startRollout(captain(), input, undefined, NOW).rollout;
}

/** What the analysis records for a canary whose p95 stayed above runbook 002's 600 ms. */
const P95_BREACH: Decision & { kind: "rollback_immediate" } = {
  kind: "rollback_immediate",
  ruleId: "002-p95-600",
  source: "runbook 002",
  metric: "p95_ms",
  comparison: "absolute",
  canary: 812.4,
  baseline: 140,
  threshold: 600,
  windowSeconds: 60,
  forMs: 120_000,
  satisfiedAt: NOW + 5_000,
  sentence: "canary p95 812 ms > 600 ms (002-p95-600, sustained 120 s)",
};

describe("a bad canary's rollback in chat (L2, issue 12 'done when')", () => {
  it("exactly one rollback message with the decision's numbers, delivered on the third attempt after two 500s", async () => {
    const hook = await receiver([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const channel = channelFor(hook.url, ["rolled_back"]);
    const rollout = stagingRollout("2.1.0-bad");
    const abortAt = NOW + 6_000;
    const before = lastAuditId(sqlite);
    writeTransaction(db, (tx) => autoRollback(tx, findRollout(tx, rollout.id)!, P95_BREACH, { cfg: DEFAULT_ANALYSIS, environment: "staging", at: abortAt }));

    // The outbox row was written with the abort's audit event, in its transaction.
    const abort = auditEvents(sqlite, before).find((e) => e.action === "rollout.abort")!;
    const [queued] = messages();
    expect(messages()).toHaveLength(1);
    expect(queued).toMatchObject({ channel: channel.name, kind: "rolled_back", status: "pending", attempts: 0, subject: `rollout ${rollout.id}` });
    expect(sqlite.prepare("SELECT audit_event_id FROM notification_messages").pluck().get()).toBe(abort.id);
    expect(queued!.text).toBe("🚨 ROLLBACK INITIATED: P95 latency 812ms exceeded 600ms threshold. Initiating rollback of sample-api v2.1.0-bad in staging. ETA to restore: 15 minutes.");

    // Attempt 1 at once: 500, retried after the backoff (jitter 0.5: 1.5 s), nothing due before.
    expect(await runDueDeliveries(abortAt)).toBe(1);
    expect(dueAt()).toBe(abortAt + 1500);
    expect(await runDueDeliveries(abortAt + 1499)).toBe(0);
    // Attempt 2: 500 again, backoff doubles (3 s); attempt 3: 200.
    expect(await runDueDeliveries(abortAt + 1500)).toBe(1);
    expect(dueAt()).toBe(abortAt + 4500);
    expect(await runDueDeliveries(abortAt + 4500)).toBe(1);
    expect(dueAt()).toBeNull();

    // The rollback finishing (the worker's rollback job) announces nothing more.
    const rolling = findRollout(db, rollout.id)!;
    writeTransaction(db, (tx) => applyRolloutEvent(tx, rolling, { type: "rollback_succeeded" }, { actor: { kind: "system", label: "worker" }, environment: "staging" }, abortAt + 10_000));
    expect(findRollout(db, rollout.id)!.status).toBe("rolled_back");

    const [message] = messages();
    expect(messages()).toHaveLength(1);
    expect(message).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200, lastError: null, finishedAt: abortAt + 4500 });
    expect(message!.log.map((a) => [a.attempt, a.startedAt, a.statusCode, a.outcome, a.retryAt])).toEqual([
      [1, abortAt, 500, "retry", abortAt + 1500],
      [2, abortAt + 1500, 500, "retry", abortAt + 4500],
      [3, abortAt + 4500, 200, "delivered", null],
    ]);
    // Three requests, the same Slack-compatible body each time.
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.body))).toEqual(new Set([JSON.stringify({ text: queued!.text })]));
    expect(hook.received[0]!.headers["content-type"]).toBe("application/json");
    const delivered = auditEvents(sqlite, before).filter((e) => e.action.startsWith("notification."));
    expect(delivered.map((e) => [e.action, e.actorLabel, e.details.attempts, e.details.statusCode])).toEqual([["notification.delivered", "worker", 3, 200]]);
  });

  it("a 404 is not retried: one attempt, failed, with the channel's answer", async () => {
    const hook = await receiver([{ status: 404 }]);
    const channel = channelFor(hook.url, ["rolled_back"]);
    const { messageId } = sendTestNotification(captain(), { channelId: channel.id }, undefined, NOW);
    expect(await runDueDeliveries(NOW)).toBe(1);
    expect(dueAt()).toBeNull();
    expect(await runDueDeliveries(NOW + 3_600_000)).toBe(0);
    const [message] = messages();
    expect(message).toMatchObject({ id: messageId, kind: "test", status: "failed", attempts: 1, lastStatusCode: 404, lastError: "HTTP 404 is not retried: the channel refused the message." });
    expect(message!.log.map((a) => [a.attempt, a.statusCode, a.outcome, a.retryAt])).toEqual([[1, 404, "failed", null]]);
    expect(hook.received).toHaveLength(1);
    expect(auditEvents(sqlite).at(-1)).toMatchObject({ action: "notification.failed", details: { statusCode: 404, attempts: 1 } });
  });
});

describe("delivery", () => {
  it("a generic webhook gets a CloudEvents 1.0 structured event, the same id on every attempt; Retry-After is honoured", async () => {
    const hook = await receiver([{ status: 429, headers: { "retry-after": "7" } }, { status: 202 }]);
    const channel = channelFor(hook.url, ["rolled_back"], { kind: "webhook" });
    const { messageId } = sendTestNotification(captain(), { channelId: channel.id }, undefined, NOW);
    await runDueDeliveries(NOW);
    expect(dueAt()).toBe(NOW + 7000);
    await runDueDeliveries(NOW + 7000);
    expect(messages()[0]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(hook.received.map((r) => r.headers["content-type"])).toEqual(["application/cloudevents+json; charset=utf-8", "application/cloudevents+json; charset=utf-8"]);
    const [first, second] = hook.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(first).toEqual(second);
    expect(first).toMatchObject({ specversion: "1.0", id: `flightdeck-notification-${messageId}`, type: "dev.flightdeck.test", source: "/flightdeck/notifications", time: new Date(NOW).toISOString() });
    expect((first!.data as { text: string }).text).toMatch(/^🧪 Flightdeck test message for "#releases-rolled_back"/);
  });

  it("a dead webhook (no answer, or nothing listening) costs one bounded attempt and a retry, never a stuck worker", async () => {
    const hung = await receiver(["hang"]);
    const channel = channelFor(hung.url, ["rolled_back"]);
    sendTestNotification(captain(), { channelId: channel.id }, undefined, NOW);
    // Bounded: the attempt ends at its timeout (the log says so) instead of waiting for an answer.
    await runDueDeliveries(NOW, { timeoutMs: 300 });
    expect(messages()[0]!.log[0]).toMatchObject({ statusCode: null, error: "no answer (timed out after 300 ms)", outcome: "retry" });

    // Nothing listening at all: a network error, retried.
    const closed = createChannel(captain(), { name: "#closed", kind: "slack", url: "http://127.0.0.1:9/hook" }, undefined, NOW);
    sendTestNotification(captain(), { channelId: closed.id }, undefined, NOW);
    await runDueDeliveries(NOW);
    const dead = messages().find((m) => m.channel === "#closed")!;
    expect(dead).toMatchObject({ status: "pending", attempts: 1 });
    expect(dead.log[0]).toMatchObject({ statusCode: null, outcome: "retry" });
    expect(dead.log[0]!.error).toMatch(/^no answer \(/);
  });

  it("gives up after the last attempt", async () => {
    const hook = await receiver([{ status: 503 }]);
    const channel = channelFor(hook.url, ["rolled_back"]);
    sendTestNotification(captain(), { channelId: channel.id }, undefined, NOW);
    for (let due: number | null = NOW; due !== null; due = dueAt()) await runDueDeliveries(due);
    expect(messages()[0]).toMatchObject({ status: "failed", attempts: DELIVERY_POLICY.maxAttempts, lastError: `HTTP 503; gave up after ${DELIVERY_POLICY.maxAttempts} attempts.` });
    expect(hook.received).toHaveLength(DELIVERY_POLICY.maxAttempts);
  });
});

describe("what is announced, to whom", () => {
  it("runbook 002's phase message carries the live p95 and error rate; runbook 004's start and complete messages", async () => {
    const hook = await receiver([{ status: 200 }]);
    channelFor(hook.url, ["rollout_started", "step_passed", "completed"]);
    const rollout = stagingRollout("2.2.0");
    saveAnalysisState(db, { rolloutId: rollout.id, state: "{}", verdict: "pass", reasons: "[]", health: "healthy", score: null, canary: JSON.stringify({ p95_ms: 450, error_rate: 0.1 }), baseline: null, evaluatedAt: NOW, evidence: null });
    walkRolloutToSuccess(db, rollout.id, "staging");
    expect(messages().map((m) => [m.kind, m.text]).reverse()).toEqual([
      ["rollout_started", "🚀 Deploying sample-api v2.2.0 to staging. Expected duration 1 minute. Release Captain: " + captain().name + "."],
      ["step_passed", "✅ Canary deployment Phase 1 (5%) successful. P95: 450ms, Error rate: 0.1% (sample-api v2.2.0 in staging)."],
      ["completed", "🎉 sample-api v2.2.0 deployed to staging. Key smoke tests passed: none recorded."],
    ]);
    await runDueDeliveries(NOW + 3_600_000);
    expect(hook.received.map((r) => (JSON.parse(r.body) as { text: string }).text)).toEqual(messages().map((m) => m.text).reverse());
  });

  it("a subscription limited to production does not hear staging; an edited template is used", async () => {
    const hook = await receiver([{ status: 200 }]);
    channelFor(hook.url, ["rollout_started"], { environment: "production" });
    walkRolloutToSuccess(db, stagingRollout("2.3.0").id, "staging");
    expect(messages()).toEqual([]);
    const everywhere = channelFor(hook.url, ["rollout_started", "completed"]);
    updateTemplate(captain(), { eventKind: "rollout_started", body: "{{actor}} ships {{service}} {{version}} ({{strategy}})" }, undefined, NOW);
    const second = stagingRollout("2.4.0", [{ weight: 10, holdSeconds: 0 }, { weight: 100, holdSeconds: 0 }]);
    expect(messages().map((m) => [m.channel, m.text])).toEqual([[everywhere.name, `${captain().name} ships sample-api 2.4.0 (canary 10% → 100%)`]]);
    expect(second.id).toBeGreaterThan(0);
  });

  it("with no channel, nothing is queued", () => {
    stagingRollout("2.5.0");
    expect(sqlite.prepare("SELECT count(*) FROM notification_messages").pluck().get()).toBe(0);
    expect(sqlite.prepare("SELECT count(*) FROM jobs WHERE kind = ?").pluck().get(NOTIFICATION_DELIVER_JOB)).toBe(0);
  });
});

describe("settings: refusals, secrets, permissions", () => {
  it("a template with an unknown variable is refused with a specific message; nothing changes", async () => {
    const expected = `Unknown variable {{servce}}: a "rolled_back" message can use ${TEMPLATE_VARIABLES.rolled_back.map((v) => `{{${v}}}`).join(", ")}.`;
    const error = await expectRefusedWithoutWrites(sqlite, () => updateTemplate(captain(), { eventKind: "rolled_back", body: "Rollback of {{servce}}" }, undefined, NOW), InvalidError);
    expect((error as InvalidError).fieldErrors).toEqual({ body: [expected] });
  });

  it("a webhook URL that is not http(s) is refused with a specific message; nothing changes", async () => {
    expect(createChannelInput.safeParse({ name: "#ops", kind: "slack", url: "ftp://hooks.example/x" }).error?.issues[0]?.message).toBe(URL_MESSAGES.scheme);
    const error = await expectRefusedWithoutWrites(sqlite, () => createChannel(captain(), { name: "#ops", kind: "slack", url: "ftp://hooks.example/x" }, undefined, NOW), InvalidError);
    expect((error as InvalidError).fieldErrors).toEqual({ url: [URL_MESSAGES.scheme] });
  });

  it("the webhook URL is never shown back in full nor written to the audit trail", async () => {
    const hook = await receiver([{ status: 200 }]);
    const created = channelFor(hook.url, ["rolled_back"]);
    sendTestNotification(captain(), { channelId: created.id }, undefined, NOW);
    await runDueDeliveries(NOW);
    expect(created.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…0k3n$/);
    expect(JSON.stringify(notificationSettings(db))).not.toContain("s3cr3tT0k3n");
    const trail = sqlite.prepare("SELECT group_concat(details, ' ') FROM audit_events").pluck().get() as string;
    expect(trail).not.toContain("s3cr3tT0k3n");
    expect(trail).not.toContain("/services/T01");
  });

  it("only admins and release captains manage notifications", async () => {
    await expectRefusedWithoutWrites(sqlite, () => createChannel(actorFor(db, DEMO("dev")), { name: "#dev", kind: "slack", url: "https://hooks.example/x" }, undefined, NOW), ForbiddenError);
    await expectRefusedWithoutWrites(sqlite, () => sendTestNotification(actorFor(db, DEMO("oncall")), { channelId: 1 }, undefined, NOW), ForbiddenError);
    expect(createChannel(actorFor(db, DEMO("admin")), { name: "#admin", kind: "slack", url: "https://hooks.example/x" }, undefined, NOW)).toMatchObject({ name: "#admin" });
  });
});
