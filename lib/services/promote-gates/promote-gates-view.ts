import "server-only";
import type { Executor } from "@/db/connection";
import { attestationOf, gateResultsOf } from "@/db/queries/promote-gates";
import { findRollout } from "@/db/queries/rollouts";
import type { Actor } from "@/lib/domain/actor";
import { GATE_LABELS, type GateStatus, PROMOTE_GATES, type PromoteGate } from "@/lib/domain/promote-gates/config";
import { type LogMatch } from "@/lib/domain/promote-gates/evaluate";
import { ROLE_LABELS, aRole } from "@/lib/domain/roles";
import { readPromoteGates } from "./read-promote-gates";

export interface GateView {
  gate: PromoteGate;
  label: string;
  /** null: configured but not evaluated yet (the rollout has not reached promotion). */
  status: GateStatus | null;
  summary: string | null;
  evaluatedAt: number | null;
  /** The log gate's matching lines with their context. */
  matches: LogMatch[];
  /** The smoke gate's checks. */
  checks: { path: string; status: number | null; ms: number; ok: boolean; detail: string }[];
  /** The CI gate's output excerpt. */
  output: string | null;
}

export interface PromoteGatesView {
  rolloutId: number;
  gates: GateView[];
  configError: string | null;
  /** The rollout's reason when its promotion is held by the gates. */
  refusal: string | null;
  /** Some gate still waits while the rollout is live: the page refreshes itself. */
  waiting: boolean;
  attestation: null | {
    role: string;
    roleLabel: string;
    checklist: string[];
    attested: { name: string; email: string; at: number; note: string | null; items: string[] } | null;
    /** Whether this person may attest now, else why not (shown instead of the form). */
    canAttest: boolean;
    whyNot: string | null;
  };
}

const LIVE = ["pending", "running", "paused", "failed"];

/** The rollout page's "Promote gates" block (read model): each configured gate's latest standing and the attestation form's state. */
export function loadPromoteGatesView(db: Executor, rolloutId: number, actor: Actor): PromoteGatesView | null {
  const rollout = findRollout(db, rolloutId);
  if (!rollout) return null;
  const { config, error } = readPromoteGates(db, rollout.serviceId);
  const stored = new Map(gateResultsOf(db, rolloutId).map((g) => [g.gate, g]));
  const configured = PROMOTE_GATES.filter((g) => config[g] !== null || stored.has(g));
  if (configured.length === 0 && !error) return null;
  const gates = configured.map((gate): GateView => {
    const row = stored.get(gate);
    const evidence = row ? (JSON.parse(row.evidence) as Record<string, unknown>) : {};
    return {
      gate,
      label: GATE_LABELS[gate],
      status: row?.status ?? null,
      summary: row?.summary ?? null,
      evaluatedAt: row?.evaluatedAt ?? null,
      matches: Array.isArray(evidence.matches) ? (evidence.matches as LogMatch[]) : [],
      checks: Array.isArray(evidence.checks) ? (evidence.checks as GateView["checks"]) : [],
      output: typeof evidence.output === "string" && evidence.output ? evidence.output : null,
    };
  });
  const live = LIVE.includes(rollout.status);
  const a = config.attestation;
  let attestation: PromoteGatesView["attestation"] = null;
  if (a) {
    const done = attestationOf(db, rolloutId);
    const whyNot = done
      ? null
      : !live
        ? "The rollout is over."
        : !actor.roles.includes(a.role)
          ? `Only ${aRole(a.role)} can attest.`
          : rollout.createdBy === actor.id
            ? `You started this rollout: ${aRole(a.role)} other than you attests.`
            : null;
    attestation = {
      role: a.role,
      roleLabel: ROLE_LABELS[a.role],
      checklist: a.checklist,
      attested: done ? { name: done.name, email: done.email, at: done.at, note: done.note, items: JSON.parse(done.items) as string[] } : null,
      canAttest: !done && whyNot === null,
      whyNot,
    };
  }
  const refusal = rollout.status === "failed" && rollout.reason?.startsWith("Promotion") ? rollout.reason : null;
  return { rolloutId, gates, configError: error, refusal, waiting: live && gates.some((g) => g.status === "pending"), attestation };
}
