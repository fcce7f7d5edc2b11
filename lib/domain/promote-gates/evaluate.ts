import { z } from "zod";
import { type GateStatus, GATE_LABELS, type PromoteGate } from "./config";

/** One gate's standing for a rollout: pending / passed / failed, a sentence, and its evidence. */
export interface GateResult {
  gate: PromoteGate;
  status: GateStatus;
  summary: string;
  evidence: Record<string, unknown>;
}

/** "4 min 10 s", "35 s", "1 h 2 min": the time a pending gate still waits. */
export function formatLeft(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return sec ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

export interface LogMatch {
  file: string;
  /** 1-based line number within what was scanned (since the canary started). */
  line: number;
  text: string;
  /** Up to 2 lines before and after, as they appear in the file. */
  before: string[];
  after: string[];
}

const MAX_MATCHES = 5;
const MAX_LINE = 500;
const clip = (s: string) => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s);

/** The lines of `text` matching `re`, each with 2 lines of context (at most 5 matches kept; `total` counts all). */
export function scanLog(file: string, text: string, re: RegExp, context = 2): { matches: LogMatch[]; total: number; lines: number } {
  const all = text.split(/\r?\n/);
  if (all.at(-1) === "") all.pop();
  const matches: LogMatch[] = [];
  let total = 0;
  all.forEach((l, i) => {
    re.lastIndex = 0;
    if (!re.test(l)) return;
    total++;
    if (matches.length < MAX_MATCHES) {
      matches.push({ file, line: i + 1, text: clip(l), before: all.slice(Math.max(0, i - context), i).map(clip), after: all.slice(i + 1, i + 1 + context).map(clip) });
    }
  });
  return { matches, total, lines: all.length };
}

/**
 * The log gate's verdict: a critical line fails it (with the lines and their context); otherwise it
 * waits until the canary has run `quietMs` since `startedAt`, then passes.
 */
export function logGateResult(v: { pattern: string; matches: LogMatch[]; total: number; lines: number; files: string[]; startedAt: number; now: number; quietMs: number }): GateResult {
  const evidence = { pattern: v.pattern, files: v.files, linesScanned: v.lines, matches: v.matches, matchCount: v.total, since: v.startedAt, quietMs: v.quietMs };
  if (v.total > 0) {
    const first = v.matches[0]!;
    return { gate: "logs", status: "failed", summary: `${v.total} line${v.total === 1 ? "" : "s"} match the critical pattern ${v.pattern}, first: "${first.text}"`, evidence };
  }
  const left = v.startedAt + v.quietMs - v.now;
  if (left > 0) return { gate: "logs", status: "pending", summary: `No critical line so far; quiet period ${formatLeft(left)} left`, evidence: { ...evidence, leftMs: left } };
  return { gate: "logs", status: "passed", summary: `No line matched ${v.pattern} in ${v.lines} line${v.lines === 1 ? "" : "s"} over ${formatLeft(v.now - v.startedAt)}`, evidence };
}

/** The line the rollout's reason shows for a gate that is not passed. */
export const gateReason = (r: GateResult): string => `${GATE_LABELS[r.gate]}: ${r.summary}`;

/** All gates together: failed if one failed, pending if one waits, else passed (no gates: passed). */
export function overallStatus(results: readonly GateResult[]): GateStatus {
  if (results.some((r) => r.status === "failed")) return "failed";
  if (results.some((r) => r.status === "pending")) return "pending";
  return "passed";
}

/**
 * Why promotion is refused, one reason per gate that is not passed, as the rollout's reason
 * ("Promotion refused: ..." for a failure, "Promotion waits: ..." while gates are only pending).
 */
export function refusalReason(results: readonly GateResult[]): string | null {
  const open = results.filter((r) => r.status !== "passed");
  if (open.length === 0) return null;
  const head = overallStatus(results) === "failed" ? "Promotion refused by its gates" : "Promotion waits for its gates";
  return `${head}: ${open.map((r) => `${gateReason(r)}.`).join(" ")}`;
}

/** Pending gates that clear by themselves or by a person (log quiet period, attestation): re-checked automatically. */
export const waitsOnly = (results: readonly GateResult[]) => overallStatus(results) === "pending";

/** The attestation form: every checklist item ticked (by its index), for one rollout. */
export const attestInput = z.object({
  rolloutId: z.coerce.number().int().positive(),
  items: z.preprocess((v): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]), z.array(z.string().max(200)).max(40)),
  note: z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : null), z.string().max(1000, "The note has at most 1,000 characters.").nullable()),
});
export type AttestInput = z.output<typeof attestInput>;

/** The checklist items not ticked, or an empty list. */
export const missingItems = (checklist: readonly string[], ticked: readonly string[]) => checklist.filter((i) => !ticked.includes(i));
