import "server-only";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { databasePath } from "@/db/connection";
import type { Executor, Tx } from "@/db/connection";
import type { ServiceRow } from "@/db/queries/catalog";
import { type CiGateRunRow, attestationOf, deleteGateResult, findCanaryMark, gateResultsOf, insertCiGateRun, passedCiRun, saveGateResult } from "@/db/queries/promote-gates";
import { type RolloutRow, appendRolloutLog } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { SystemActor } from "@/lib/domain/actor";
import { describeAttempt, hookPassed } from "@/lib/domain/hooks/step-hooks";
import { type CiGateConfig, GATE_LABELS, PROMOTE_GATES, type PromoteGatesConfig, criticalRegex } from "@/lib/domain/promote-gates/config";
import { type GateResult, type LogMatch, logGateResult, overallStatus, refusalReason, scanLog, waitsOnly } from "@/lib/domain/promote-gates/evaluate";
import { aRole } from "@/lib/domain/roles";
import { listReleases, resolveCommit } from "@/lib/drivers/git/releases";
import { runShell } from "@/lib/drivers/shell";
import { describeSmoke, runSmoke } from "@/lib/drivers/smoke";
import type { DeployDriver, DriverTarget } from "@/lib/drivers/types";
import { callHook } from "@/lib/services/hooks/call-hook";
import { readPromoteGates } from "./read-promote-gates";

const WORKER: SystemActor = { kind: "system", label: "worker" };
/** What a CI run keeps of its output (the end of a command's, the start of an answer). */
const CI_OUTPUT_CHARS = 2000;
/** At most this much of a log is read per evaluation (the end of it when it grew more since the canary started). */
const LOG_READ_BYTES = 16 * 1024 * 1024;

export interface GateContext {
  /** Commits under the job's lease (JobContext.commit). */
  commit<T>(fn: (tx: Tx) => T): T;
  signal: AbortSignal;
  now: () => number;
}

export interface GateSubject {
  rollout: RolloutRow;
  service: ServiceRow;
  environment: string;
  driver: DeployDriver;
  driverName: string;
  target: DriverTarget;
}

export interface GatesOutcome {
  /** True when the service has gates (or an unreadable config, which holds). */
  configured: boolean;
  results: GateResult[];
  /** Why promotion is refused or waits, or null when every gate passed. */
  reason: string | null;
  /** Only gates that clear by themselves or by a person wait (nothing failed): re-checked automatically. */
  waitsOnly: boolean;
}

/**
 * Evaluates the service's promote gates for a rollout about to promote (the worker, outside any
 * transaction; runbook 000 section 4): CI on the same commit, smoke on the listed endpoints of the
 * canary, its logs since it started, the attestation. Stores each gate's result for the rollout
 * page and audits `rollout.gates_evaluated` with the evidence, always when `audit` is "always",
 * else only when a gate's status changed (the automatic re-checks of a quiet period stay quiet).
 */
export async function evaluatePromoteGates(db: Executor, s: GateSubject, ctx: GateContext, opts: { audit: "always" | "on_change" }): Promise<GatesOutcome> {
  const gates = readPromoteGates(db, s.rollout.serviceId);
  if (gates.error) {
    const reason = `Promotion refused: ${gates.error}`;
    return { configured: true, results: [], reason, waitsOnly: false };
  }
  const c = gates.config;
  if (PROMOTE_GATES.every((g) => c[g] === null)) return { configured: false, results: [], reason: null, waitsOnly: false };

  const results: GateResult[] = [];
  let ciRun: Omit<CiGateRunRow, "id"> | null = null;
  if (c.ci) {
    const ci = await ciGate(db, s, c.ci, ctx);
    results.push(ci.result);
    ciRun = ci.run;
  }
  if (c.smoke) results.push(await smokeGate(s, c.smoke));
  if (c.logs) results.push(await logGate(db, s, c.logs, ctx.now()));
  if (c.attestation) results.push(attestationGate(db, s.rollout, c.attestation));

  const outcome = overallStatus(results);
  const reason = refusalReason(results);
  ctx.commit((tx) => {
    const at = ctx.now();
    const before = new Map(gateResultsOf(tx, s.rollout.id).map((g) => [g.gate, g.status]));
    let runId: number | null = null;
    if (ciRun) runId = insertCiGateRun(tx, ciRun).id;
    for (const r of results) {
      const evidence = r.gate === "ci" && runId !== null ? { ...r.evidence, runId } : r.evidence;
      saveGateResult(tx, { rolloutId: s.rollout.id, gate: r.gate, status: r.status, summary: r.summary, evidence: JSON.stringify(evidence), evaluatedAt: at });
    }
    for (const g of PROMOTE_GATES) if (c[g] === null && before.has(g)) deleteGateResult(tx, s.rollout.id, g);
    const changed = results.some((r) => before.get(r.gate) !== r.status) || before.size !== results.length;
    if (opts.audit === "always" || changed) {
      appendRolloutLog(tx, {
        rolloutId: s.rollout.id,
        at,
        level: outcome === "passed" ? "info" : outcome === "pending" ? "warn" : "error",
        message: `promote gates ${outcome}: ${results.map((r) => `${GATE_LABELS[r.gate]} ${r.status} (${r.summary})`).join("; ")}`,
      });
      recordAudit(tx, {
        actor: WORKER,
        action: "rollout.gates_evaluated",
        subjectType: "rollout",
        subjectId: s.rollout.id,
        environment: s.environment,
        details: {
          outcome,
          reason,
          version: s.rollout.toVersion,
          stepIndex: s.rollout.stepIndex,
          gates: results.map((r) => ({ gate: r.gate, status: r.status, summary: r.summary, evidence: r.gate === "ci" && runId !== null ? { ...r.evidence, runId } : r.evidence })),
        },
        at,
      });
    }
  });
  return { configured: true, results, reason, waitsOnly: waitsOnly(results) };
}

// ---- CI on the same commit -------------------------------------------------------------------

const clipEnd = (s: string) => (s.length > CI_OUTPUT_CHARS ? `…${s.slice(-CI_OUTPUT_CHARS)}` : s);

/** A commit whose CI passed keeps its pass (the history shows the run); a failure is run again at the next evaluation. */
async function ciGate(db: Executor, s: GateSubject, ci: CiGateConfig, ctx: GateContext): Promise<{ result: GateResult; run: Omit<CiGateRunRow, "id"> | null }> {
  const commit = s.rollout.toVersion;
  const kept = passedCiRun(db, s.rollout.serviceId, commit);
  if (kept) {
    return { result: { gate: "ci", status: "passed", summary: `CI passed on ${commit} (run #${kept.id}${kept.code !== null ? `, ${kept.kind === "url" ? "HTTP" : "exit"} ${kept.code}` : ""})`, evidence: { runId: kept.id, kind: kept.kind, target: kept.target, code: kept.code, output: kept.output, at: kept.at } }, run: null };
  }
  const vars = { commit, version: commit, service: s.service.name, environment: s.environment };
  const t0 = performance.now();
  let passed: boolean;
  let code: number | null;
  let output: string;
  let target: string;
  let summary: string;
  if (ci.kind === "url") {
    target = ci.url.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => encodeURIComponent(vars[name as keyof typeof vars] ?? ""));
    const attempt = await callHook(target, { method: "GET" }, { timeoutMs: ci.timeoutMs, signal: ctx.signal });
    passed = hookPassed(attempt);
    code = attempt.kind === "response" ? attempt.status : null;
    output = attempt.kind === "response" ? attempt.answer : attempt.error;
    summary = `CI status ${passed ? "passed" : "failed"} on ${commit}: ${describeAttempt(attempt)}`;
  } else {
    target = ci.command;
    const cwd = ci.cwd ?? (await releaseDirOf(s, commit));
    if (!cwd) {
      const why = `no release directory of ${commit} to run "${ci.command}" in: set the directory in the service's promote gates`;
      return { result: { gate: "ci", status: "failed", summary: why, evidence: { kind: "command", command: ci.command } }, run: null };
    }
    const out = await runShell(ci.command, { timeoutMs: ci.timeoutMs, vars, env: { ...process.env, FLIGHTDECK_COMMAND_CWD: cwd } });
    passed = out.code === 0 && !out.timedOut && !out.refused;
    code = out.code;
    output = clipEnd(out.output);
    const lastLine = out.output.trim().split("\n").at(-1)?.trim() ?? "";
    summary = out.refused
      ? `CI command not run: ${out.refused}`
      : out.timedOut
        ? `CI command "${ci.command}" timed out after ${Math.round(ci.timeoutMs / 1000)} s on ${commit}`
        : `CI command "${ci.command}" ${passed ? "passed" : `failed (exit ${out.code ?? "?"})`} on ${commit}${lastLine ? `: ${lastLine.slice(0, 200)}` : ""}`;
  }
  const durationMs = Math.round(performance.now() - t0);
  const run = { serviceId: s.rollout.serviceId, commit, rolloutId: s.rollout.id, kind: ci.kind, target, passed, code, output, durationMs, at: ctx.now() };
  return { result: { gate: "ci", status: passed ? "passed" : "failed", summary, evidence: { kind: ci.kind, target, code, output, durationMs } }, run };
}

/**
 * The commit's release directory for a service built from git (issue 13 item 1: the PM2 driver's
 * `<data dir>/releases/<name>/<sha>`), once the deploy built it; null otherwise.
 */
async function releaseDirOf(s: GateSubject, version: string): Promise<string | null> {
  const t = JSON.parse(s.service.deployTarget) as { driver?: string; name?: string; git?: { repo: string } };
  if (!t.git) return null;
  const dataDir = path.dirname(databasePath());
  const name = t.name ?? s.target.serviceName.replace(/[^A-Za-z0-9._-]/g, "-");
  let sha = version;
  if (!/^[0-9a-f]{40}$/.test(version)) {
    try {
      sha = await resolveCommit(t.git.repo, version, { cacheDir: path.join(dataDir, "git") });
    } catch {
      return null;
    }
  }
  return listReleases(dataDir, name).find((r) => r.sha === sha && r.built)?.dir ?? null;
}

// ---- smoke on the listed endpoints (C4) ---------------------------------------------------------

async function smokeGate(s: GateSubject, smoke: { paths: string[]; timeoutMs: number }): Promise<GateResult> {
  const variant = s.rollout.fromVersion ? "canary" : "stable";
  const base = await s.driver.variantUrl(s.target, variant);
  if (!base) {
    return { gate: "smoke", status: "failed", summary: `the ${s.driverName} driver gives no address of the ${variant}, so its endpoints cannot be checked`, evidence: { paths: smoke.paths } };
  }
  const result = await runSmoke(smoke.paths.map((p) => base + p), { timeoutMs: smoke.timeoutMs });
  const failing = result.checks.filter((c) => !c.ok);
  const checks = result.checks.map((c) => ({ path: c.url.slice(base.length), status: c.status, ms: c.ms, ok: c.ok, detail: c.detail }));
  return result.ok
    ? { gate: "smoke", status: "passed", summary: `${checks.length} endpoint${checks.length === 1 ? "" : "s"} of the ${variant} answered 200 within ${Math.round(smoke.timeoutMs / 1000)} s`, evidence: { variant, checks } }
    : { gate: "smoke", status: "failed", summary: describeSmoke({ ok: false, checks: failing.map((c) => ({ ...c, url: c.url.slice(base.length) })) }), evidence: { variant, checks } };
}

// ---- no critical line in the canary's logs for the quiet period ---------------------------------

async function logGate(db: Executor, s: GateSubject, logs: { pattern: string; quietMs: number }, now: number): Promise<GateResult> {
  if (!s.driver.logFiles) {
    return { gate: "logs", status: "passed", summary: `not available for the ${s.driverName} driver (it keeps no log files Flightdeck can read)`, evidence: { pattern: logs.pattern, available: false } };
  }
  const mark = findCanaryMark(db, s.rollout.id);
  let files: string[];
  try {
    const all = await s.driver.logFiles(s.target);
    files = s.rollout.fromVersion ? all.canary : all.main;
  } catch (err) {
    return { gate: "logs", status: "failed", summary: `the canary's logs cannot be listed: ${err instanceof Error ? err.message : String(err)}`, evidence: { pattern: logs.pattern } };
  }
  const offsets = mark ? (JSON.parse(mark.offsets) as Record<string, number>) : {};
  const re = criticalRegex(logs.pattern);
  const matches: LogMatch[] = [];
  let total = 0;
  let lines = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFrom(file, offsets[file] ?? 0);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT") continue; // nothing written yet
      return { gate: "logs", status: "failed", summary: `the canary's log ${file} cannot be read: ${code ?? (err instanceof Error ? err.message : String(err))}`, evidence: { pattern: logs.pattern, files } };
    }
    const scan = scanLog(file, text, re);
    matches.push(...scan.matches);
    total += scan.total;
    lines += scan.lines;
  }
  const startedAt = mark?.startedAt ?? s.rollout.createdAt;
  return logGateResult({ pattern: logs.pattern, matches: matches.slice(0, 5), total, lines, files, startedAt, now, quietMs: logs.quietMs });
}

/** The file from byte `offset` (from its start when it shrank: rotated or flushed since). */
function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  let from = size < offset ? 0 : offset;
  if (size - from > LOG_READ_BYTES) from = size - LOG_READ_BYTES;
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

// ---- core path attested by a person --------------------------------------------------------------

function attestationGate(db: Executor, r: RolloutRow, gate: NonNullable<PromoteGatesConfig["attestation"]>): GateResult {
  const a = attestationOf(db, r.id);
  if (a) {
    const items = JSON.parse(a.items) as string[];
    return { gate: "attestation", status: "passed", summary: `attested by ${a.name} (${a.email}): ${items.join(", ")}`, evidence: { by: a.email, name: a.name, role: a.role, items, note: a.note, at: a.at } };
  }
  return { gate: "attestation", status: "pending", summary: `waiting for ${aRole(gate.role)} to validate ${gate.checklist.join(", ")} on the canary and attest`, evidence: { role: gate.role, checklist: gate.checklist } };
}
