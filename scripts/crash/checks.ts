// The end-of-run checks of the crash test: final states, the router's own record of applied
// operations (no step executed twice), the audit trail (nothing lost, nothing duplicated, chain
// intact). Pure reads of the database and the routers' state files.
import type Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type RolloutEvent, type RolloutState, initialState, transition } from "@/lib/domain/rollout/machine";
import { type PlanStep, type Strategy, rollsBackOnFailure } from "@/lib/domain/rollout/strategy";
import { AUDIT_OF } from "@/lib/services/rollouts/apply-rollout-event";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line when ok; the problems otherwise. */
  detail: string[];
}

export interface TrackedRollout {
  id: number;
  environment: string;
  expected: "succeeded" | "rolled_back";
  /** Audit actions of the commands this test issued and the product accepted, in order. */
  commands: string[];
  actorLabel: string;
}

export interface RouterState {
  stable: { version: string; port: number } | null;
  canary: { version: string; port: number } | null;
  weight: number;
  ops: { opId: string; at: number; weight: number }[];
}

interface RolloutRowRaw {
  id: number;
  environment: string;
  from_version: string | null;
  to_version: string;
  strategy: string;
  plan: string;
  status: string;
  step_index: number;
  weight: number;
  row_version: number;
}

interface AuditRowRaw {
  id: number;
  action: string;
  actor_label: string;
  details: string;
  created_at: number;
}


const OP_ID = /^rollout:(\d+):(?:step:(\d+)|rollback):v(\d+)(:stable)?$/;

/** What replaying a rollout's audit events through the machine says about it. */
interface Replay {
  problems: string[];
  /** Per step index: how many step_succeeded events it got. */
  succeeded: Map<number, number>;
  /** Per step index: row versions at which the machine scheduled it (each one is an opId). */
  scheduled: Map<number, number[]>;
  rollbackVersions: number[];
  /** Audit time of each step's success (the driver's op must be older). */
  succeededAt: Map<number, number>;
  events: number;
}

function replay(r: RolloutRowRaw, events: AuditRowRaw[]): Replay {
  const plan = JSON.parse(r.plan) as PlanStep[];
  const strategy = JSON.parse(r.strategy) as Strategy;
  const out: Replay = { problems: [], succeeded: new Map(), scheduled: new Map(), rollbackVersions: [], succeededAt: new Map(), events: events.length };
  let state: RolloutState = initialState();
  let rowVersion = 1; // the row is inserted at version 1; every recorded event is one write
  for (const ev of events) {
    const d = JSON.parse(ev.details) as { event: RolloutEvent; from: string; to: string; stepIndex: number; weight: number };
    if (d.from !== state.status) out.problems.push(`audit #${ev.id} (${ev.action}) says from ${d.from}, but the replayed rollout was ${state.status}`);
    const t = transition(plan, state, d.event, { rollbackOnFailure: rollsBackOnFailure(strategy) });
    if (!t.ok) {
      out.problems.push(`audit #${ev.id} records ${d.event.type}, which the machine refuses in state ${state.status}/${state.phase} step ${state.stepIndex}: ${t.error}`);
      continue;
    }
    rowVersion++;
    const action = t.next.status === "succeeded" ? "rollout.succeeded" : AUDIT_OF[d.event.type];
    if (ev.action !== action) out.problems.push(`audit #${ev.id} is ${ev.action}, expected ${action}`);
    if (t.next.status !== d.to || t.next.stepIndex !== d.stepIndex || t.next.weight !== d.weight) {
      out.problems.push(`audit #${ev.id} records -> ${d.to} step ${d.stepIndex} weight ${d.weight}; replay gives ${t.next.status} step ${t.next.stepIndex} weight ${t.next.weight}`);
    }
    if (d.event.type === "step_succeeded") {
      out.succeeded.set(state.stepIndex, (out.succeeded.get(state.stepIndex) ?? 0) + 1);
      out.succeededAt.set(state.stepIndex, ev.created_at);
    }
    for (const effect of t.effects) {
      if (effect.type === "execute_step") out.scheduled.set(effect.stepIndex, [...(out.scheduled.get(effect.stepIndex) ?? []), rowVersion]);
      if (effect.type === "rollback") out.rollbackVersions.push(rowVersion);
    }
    state = t.next;
  }
  if (rowVersion !== r.row_version) {
    out.problems.push(`${events.length} audit events account for row version ${rowVersion}, but the row is at version ${r.row_version} (${r.row_version > rowVersion ? "state changes without an audit event" : "audit events without a state change"})`);
  }
  if (state.status !== r.status || state.stepIndex !== r.step_index || state.weight !== r.weight) {
    out.problems.push(`replayed audit ends at ${state.status} step ${state.stepIndex} weight ${state.weight}; the row says ${r.status} step ${r.step_index} weight ${r.weight}`);
  }
  return out;
}

export function runChecks(
  sqlite: Database.Database,
  opts: {
    tracked: TrackedRollout[];
    routers: Map<string, RouterState>;
    currentVersions: Map<string, string | null>;
    chain: { intact: boolean; checked: number; broken?: { id: number; reason: string } };
  },
): CheckResult[] {
  const results: CheckResult[] = [];
  const check = (name: string, problems: string[], okLine: string) => results.push({ name, ok: problems.length === 0, detail: problems.length ? problems : [okLine] });

  const rows = sqlite
    .prepare(
      `SELECT r.id, e.name AS environment, r.from_version, r.to_version, r.strategy, r.plan, r.status, r.step_index, r.weight, r.row_version
       FROM rollouts r JOIN environments e ON e.id = r.environment_id ORDER BY r.id`,
    )
    .all() as RolloutRowRaw[];
  const tracked = new Map(opts.tracked.map((t) => [t.id, t]));

  // (1) Every rollout ends in the state decided when it was started.
  {
    const problems: string[] = [];
    for (const r of rows) {
      const t = tracked.get(r.id);
      if (!t) problems.push(`rollout #${r.id} (${r.environment} ${r.to_version}) was not started by this test`);
      else if (r.status !== t.expected) problems.push(`rollout #${r.id} (${r.environment} ${r.from_version ?? "-"} -> ${r.to_version}) ended ${r.status}, expected ${t.expected}`);
    }
    for (const t of opts.tracked) if (!rows.some((r) => r.id === t.id)) problems.push(`rollout #${t.id} is missing from the database`);
    const succeeded = rows.filter((r) => r.status === "succeeded").length;
    check("final states", problems, `${rows.length} rollouts: ${succeeded} succeeded, ${rows.length - succeeded} rolled back, each as expected`);
  }

  // (2) The router's own record: every operation applied once, one per executed step.
  const replays = new Map<number, Replay>();
  // Only the machine's transitions: a rollout's subject also carries hook results and the
  // post-rollback verification, which are no events of its state machine.
  const machineActions = [...new Set([...Object.values(AUDIT_OF), "rollout.succeeded"])];
  const auditStmt = sqlite.prepare(
    `SELECT id, action, actor_label, details, created_at FROM audit_events WHERE subject_type = 'rollout' AND subject_id = ? AND action IN (${machineActions.map(() => "?").join(", ")}) ORDER BY id`,
  );
  const eventsOf = new Map<number, AuditRowRaw[]>();
  for (const r of rows) {
    const events = auditStmt.all(String(r.id), ...machineActions) as AuditRowRaw[];
    eventsOf.set(r.id, events);
    replays.set(r.id, replay(r, events));
  }
  {
    const problems: string[] = [];
    let total = 0;
    for (const [env, state] of opts.routers) {
      const seen = new Set<string>();
      for (const op of state.ops) {
        total++;
        if (seen.has(op.opId)) problems.push(`${env}: operation ${op.opId} applied twice`);
        if (!OP_ID.test(op.opId)) problems.push(`${env}: operation ${op.opId} is not one of a rollout's steps or rollbacks`);
        seen.add(op.opId);
      }
    }
    check("router ops unique", problems, `${total} operations in the routers' records, no operation id twice`);
  }
  {
    const problems: string[] = [];
    let stepsChecked = 0;
    for (const r of rows) {
      const rep = replays.get(r.id)!;
      const plan = JSON.parse(r.plan) as PlanStep[];
      const ops = (opts.routers.get(r.environment)?.ops ?? [])
        .map((op) => ({ op, m: OP_ID.exec(op.opId) }))
        .filter((x) => x.m && Number(x.m[1]) === r.id);
      for (const [env, state] of opts.routers) {
        if (env === r.environment) continue;
        for (const op of state.ops) if (OP_ID.exec(op.opId)?.[1] === String(r.id)) problems.push(`rollout #${r.id} (${r.environment}) has operation ${op.opId} in the ${env} router`);
      }
      const byStep = new Map<string, string[]>();
      let lastStep = -1;
      let rolledBack = false;
      for (const { op, m } of ops) {
        const isRollback = m![2] === undefined;
        const step = isRollback ? null : Number(m![2]);
        const version = Number(m![3]);
        const key = isRollback ? "rollback" : `step ${step}${m![4] ?? ""}`;
        byStep.set(key, [...(byStep.get(key) ?? []), op.opId]);
        if (isRollback) {
          if (!rep.rollbackVersions.includes(version)) problems.push(`rollout #${r.id}: ${op.opId} belongs to no rollback the machine scheduled (rollbacks at v${rep.rollbackVersions.join(", v") || " none"})`);
          rolledBack = true;
        } else {
          if (rolledBack) problems.push(`rollout #${r.id}: ${op.opId} applied after the rollback`);
          if (step! < lastStep) problems.push(`rollout #${r.id}: ${op.opId} applied after step ${lastStep} (out of order)`);
          lastStep = Math.max(lastStep, step!);
          const scheduled = rep.scheduled.get(step!) ?? [];
          if (!scheduled.includes(version)) problems.push(`rollout #${r.id}: ${op.opId} is not an execution the machine scheduled (step ${step} scheduled at v${scheduled.join(", v") || " never"})`);
        }
      }
      // A step may run again only when the machine scheduled it again (a retry: new row version,
      // new opId); a crash re-delivers the same scheduling, whose opId the router acknowledges once.
      for (const [key, ids] of byStep) {
        const step = key.startsWith("step ") ? Number(key.split(" ")[1]) : null;
        const allowed = step === null ? rep.rollbackVersions.length : (rep.scheduled.get(step) ?? []).length;
        if (ids.length > Math.max(1, allowed) || (step !== null && key.endsWith(":stable") && ids.length > 1)) {
          problems.push(`rollout #${r.id}: ${key} executed ${ids.length} times by the driver (${ids.join(", ")}), scheduled ${allowed} time(s)`);
        }
      }
      // Every step the audit says succeeded was applied by the driver first (a first-contact promote of
      // an empty target has nothing to switch and applies no operation).
      for (const [i, n] of rep.succeeded) {
        stepsChecked++;
        if (n > 1) continue; // reported by the audit check
        const nothingToApply = plan[i]?.kind === "promote" && r.from_version === null;
        const op = ops.find(({ m }) => m![2] === String(i) && m![4] === undefined);
        if (!op && !nothingToApply) problems.push(`rollout #${r.id}: step ${i} (${plan[i]?.kind}) succeeded per the audit trail, but the router never applied it`);
        const at = rep.succeededAt.get(i);
        if (op && at !== undefined && op.op.at > at) problems.push(`rollout #${r.id}: step ${i} was recorded as succeeded before the router applied it`);
      }
      if (r.status === "rolled_back" && r.from_version && !ops.some(({ m }) => m![2] === undefined)) problems.push(`rollout #${r.id} rolled back without a rollback operation in the router`);
    }
    check("no step executed twice (router record)", problems, `${stepsChecked} succeeded steps each applied exactly once, by the execution the machine scheduled, in order`);
  }
  {
    const problems: string[] = [];
    for (const [env, state] of opts.routers) {
      const current = opts.currentVersions.get(env) ?? null;
      if (state.stable?.version !== current) problems.push(`${env}: router serves ${state.stable?.version ?? "nothing"} as stable, records say ${current}`);
      if (state.canary !== null || state.weight !== 0) problems.push(`${env}: router still has canary ${state.canary?.version ?? "none"} at ${state.weight}%`);
    }
    check("final traffic split", problems, [...opts.routers].map(([env, s]) => `${env}: 100% on ${s.stable?.version}`).join(", "));
  }

  // (3) Audit: nothing lost, nothing duplicated, the chain verifies.
  {
    const problems: string[] = [];
    if (!opts.chain.intact) problems.push(`chain broken at #${opts.chain.broken?.id}: ${opts.chain.broken?.reason}`);
    const ids = (sqlite.prepare("SELECT id FROM audit_events ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    ids.forEach((id, i) => {
      if (id !== i + 1 && problems.length < 10) problems.push(`audit ids not consecutive: position ${i + 1} holds #${id}`);
    });
    check("audit chain verifies", problems, `${opts.chain.checked} events, ids 1..${ids.length} consecutive, hash chain intact`);
  }
  {
    const problems: string[] = [];
    let events = 0;
    for (const r of rows) {
      const rep = replays.get(r.id)!;
      events += rep.events;
      problems.push(...rep.problems.map((p) => `rollout #${r.id}: ${p}`));
      const plan = JSON.parse(r.plan) as PlanStep[];
      for (const [i, n] of rep.succeeded) if (n > 1) problems.push(`rollout #${r.id}: step ${i} recorded as succeeded ${n} times`);
      for (const [i, v] of rep.scheduled) if (v.length > 1) problems.push(`rollout #${r.id}: step ${i} scheduled ${v.length} times (v${v.join(", v")})`);
      if (r.status === "succeeded") {
        plan.forEach((_, i) => {
          if (!rep.succeeded.has(i)) problems.push(`rollout #${r.id} succeeded, but no audit event records step ${i} (${plan[i]!.kind}) succeeding`);
        });
      }
    }
    check("audit: no event lost or duplicated", problems, `${events} rollout events replay through the state machine exactly onto every row (one event per state change, each step succeeded once)`);
  }
  {
    const problems: string[] = [];
    let n = 0;
    for (const r of rows) {
      const t = tracked.get(r.id);
      if (!t) continue;
      const mine = eventsOf.get(r.id)!.filter((e) => e.actor_label === t.actorLabel).map((e) => e.action);
      n += t.commands.length;
      if (mine.join(",") !== t.commands.join(",")) problems.push(`rollout #${r.id}: commands issued ${t.commands.join(", ") || "none"}; audited ${mine.join(", ") || "none"}`);
    }
    check("audit: every command recorded once", problems, `${n} accepted commands (start, pause, resume, abort), each audited exactly once`);
  }
  {
    const problems: string[] = [];
    const logStmt = sqlite.prepare("SELECT message FROM rollout_log WHERE rollout_id = ? ORDER BY id");
    const transitionLine = /^[a-z ]+ -> (pending|running|paused|failed|rolling_back|succeeded|rolled_back)\b/;
    for (const r of rows) {
      const lines = (logStmt.all(r.id) as { message: string }[]).filter((l) => transitionLine.test(l.message)).length;
      const audited = eventsOf.get(r.id)!.length;
      if (lines !== audited) problems.push(`rollout #${r.id}: ${lines} state changes in its log, ${audited} audit events`);
    }
    check("rollout history matches audit", problems, `each rollout's logged state changes equal its audit events`);
  }
  return results;
}

/**
 * The driver's process record: each version log gets one "listening" line per process start, so a
 * deploy step executed twice (or a version restarted behind the rollout's back) shows up here.
 */
export function checkVersionStarts(driverDir: string, deployed: Map<string, Set<string>>): CheckResult {
  const problems: string[] = [];
  let n = 0;
  for (const [env, versions] of deployed) {
    for (const version of versions) {
      let text = "";
      try {
        text = readFileSync(path.join(driverDir, `sample-api-${env}`, `version-${version}.log`), "utf8");
      } catch {
        problems.push(`${env}: ${version} was deployed but has no process log`);
        continue;
      }
      const starts = text.split("\n").filter((l) => / listening on /.test(l)).length;
      const errors = text.split("\n").filter((l) => /EADDRINUSE|^\S*Error/.test(l));
      n += starts;
      if (starts !== 1) problems.push(`${env}: version ${version} was started ${starts} times`);
      if (errors.length) problems.push(`${env}: version ${version} log shows ${errors[0]}`);
    }
  }
  return { name: "each version process started once", ok: problems.length === 0, detail: problems.length ? problems : [`${n} version processes, each started exactly once (no deploy executed twice, none restarted)`] };
}
