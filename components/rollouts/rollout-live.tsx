"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ActionForm, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import { formatClock, formatDuration } from "@/lib/domain/format";
import type { PlanStep } from "@/lib/domain/rollout/strategy";
import { queryKeys } from "@/lib/query-keys";
import type { RolloutView } from "@/lib/rollout-view";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

const LIVE = ["pending", "running", "paused", "failed", "rolling_back"];

function stepLabel(step: PlanStep, version: string): string {
  if (step.kind === "deploy") return `Deploy ${version}`;
  if (step.kind === "promote") return "Promote";
  return `${step.weight}%${step.holdMs > 0 ? ` · hold ${formatDuration(step.holdMs)}` : ""}`;
}

const STATUS_STYLE: Record<string, string> = {
  running: "bg-sky-100 text-sky-900",
  paused: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-900",
  rolling_back: "bg-orange-100 text-orange-900",
  succeeded: "bg-emerald-100 text-emerald-900",
  rolled_back: "bg-slate-200 text-slate-900",
  pending: "bg-slate-100 text-slate-900",
};

/** A rollout page that follows the rollout live: stepper, weight, time left in hold, controls, job log. */
export function RolloutLive({ initial, control, may }: { initial: RolloutView; control: Action; may: { control: boolean; abort: boolean } }) {
  const queryClient = useQueryClient();
  const [log, setLog] = useState(initial.log);
  const lastLogId = useRef(initial.log.at(-1)?.id ?? 0);
  const { data, isError } = useQuery({
    queryKey: queryKeys.rollout(initial.id),
    queryFn: async (): Promise<RolloutView> => {
      const res = await fetch(`/api/rollouts/${initial.id}?after=${lastLogId.current}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as RolloutView;
    },
    initialData: initial,
    refetchInterval: (q) => (q.state.data && !LIVE.includes(q.state.data.status) ? 5000 : 1000),
  });

  useEffect(() => {
    const fresh = data.log.filter((l) => l.id > lastLogId.current);
    if (fresh.length === 0) return;
    lastLogId.current = fresh.at(-1)!.id;
    setLog((prev) => [...prev, ...fresh].slice(-500));
  }, [data]);

  const v = data;
  const live = LIVE.includes(v.status);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.rollout(v.id) });
  const commands: { command: string; label: string; done: string; show: boolean; variant?: "danger" | "secondary" }[] = [
    { command: "pause", label: "Pause", done: "Rollout paused: the canary keeps its weight.", show: may.control && v.status === "running", variant: "secondary" },
    // Paused by the gate: Resume (which re-runs the step) only once policy allows it again; Promote
    // now never while blocked (policy would refuse it). Abort and roll back stays available.
    { command: "resume", label: "Resume", done: "Rollout resumed.", show: may.control && v.status === "paused" && !(v.gate?.blocked ?? false), variant: "secondary" },
    { command: "retry", label: "Retry failed step", done: "Retrying the step.", show: may.control && v.status === "failed", variant: "secondary" },
    { command: "promote", label: "Promote now", done: "Promotion requested: the new version takes all traffic.", show: may.control && ["running", "paused", "failed"].includes(v.status) && v.gate === null },
  ];
  const holdPct = v.holdLeftMs !== null && v.holdTotalMs ? Math.round(100 - (100 * v.holdLeftMs) / v.holdTotalMs) : null;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">
            Rollout #{v.id}: {v.service} <span className="font-mono">{v.fromVersion ?? "—"}</span> → <span className="font-mono">{v.toVersion}</span>
          </h1>
          <p className="text-sm text-slate-600">in {v.environment}</p>
        </div>
        <span role="status" data-testid="rollout-status" className={`rounded-full px-3 py-1 text-sm font-medium ${STATUS_STYLE[v.status] ?? ""}`}>
          {v.status.replace(/_/g, " ")}
        </span>
      </div>
      {isError && (
        <p role="alert" className="text-sm text-amber-800">
          Live updates paused: the server did not answer. Retrying…
        </p>
      )}
      {v.gate ? (
        <div role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950" data-testid="gate-pause">
          <p className="font-medium">
            {v.gate.blocked ? "Paused: the security gate refuses the next step." : "The security gate allows the step again: Resume runs it from where the rollout stood."}
          </p>
          {v.gate.blocked && (
            <>
              <ul className="mt-1 list-disc pl-5">
                {v.gate.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              <p className="mt-2 font-medium">What would unblock it</p>
              <ul className="list-disc pl-5" data-testid="gate-unblock">
                {v.gate.unblock.map((u) => (
                  <li key={u}>{u}</li>
                ))}
              </ul>
              <p className="mt-2 text-xs">Traffic stays at {v.weight}% meanwhile; Abort and roll back is always allowed.</p>
            </>
          )}
        </div>
      ) : (
        v.reason && (
          <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-900">
            {v.reason}
          </p>
        )
      )}

      <ol aria-label="Rollout steps" className="flex flex-wrap gap-2">
        {v.plan.map((step, i) => {
          const done = i < v.stepIndex || v.status === "succeeded";
          const current = i === v.stepIndex && live;
          return (
            <li
              key={i}
              aria-current={current ? "step" : undefined}
              className={`rounded border px-3 py-1.5 text-sm ${current ? "border-sky-600 bg-sky-50 font-semibold" : done ? "border-emerald-300 bg-emerald-50" : "border-slate-200 bg-white text-slate-500"}`}
            >
              {done ? "✓ " : ""}
              {stepLabel(step, v.toVersion)}
            </li>
          );
        })}
      </ol>

      <div className="grid gap-4 sm:grid-cols-2">
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <div className="text-sm text-slate-600">Traffic to {v.toVersion}</div>
          <div className="text-3xl font-semibold" data-testid="rollout-weight">
            {v.weight}%
          </div>
          <div className="mt-2 h-2 rounded bg-slate-100" aria-hidden="true">
            <div className="h-2 rounded bg-sky-600" style={{ width: `${v.weight}%` }} />
          </div>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <div className="text-sm text-slate-600">Current step</div>
          <div className="font-medium">
            {v.plan[v.stepIndex] ? `${v.stepIndex + 1} of ${v.plan.length}: ${stepLabel(v.plan[v.stepIndex]!, v.toVersion)}` : "—"}
          </div>
          {holdPct !== null && v.holdLeftMs !== null && (
            <>
              <div
                role="progressbar"
                aria-label="Hold progress"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={holdPct}
                className="mt-2 h-2 rounded bg-slate-100"
              >
                <div className="h-2 rounded bg-amber-500" style={{ width: `${holdPct}%` }} />
              </div>
              <div className="mt-1 text-sm" data-testid="hold-left">
                {formatDuration(v.holdLeftMs)} left in hold{v.status === "paused" ? " (paused)" : ""}
              </div>
              {v.heldBy && (
                <div className="mt-1 text-sm text-amber-800" data-testid="analysis-hold">
                  Hold time is up; holding while {v.heldBy}
                </div>
              )}
            </>
          )}
        </div>
      </div>

      {live && (may.control || may.abort) && (
        <section aria-label="Controls" className="flex flex-wrap items-start gap-3">
          {commands
            .filter((c) => c.show)
            .map((c) => (
              <ActionForm key={c.command} action={wrap(control, refresh)} submitLabel={c.label} toast={c.done} variant={c.variant} className="flex items-start gap-2" aria-label={c.label}>
                <input type="hidden" name="rolloutId" value={v.id} />
                <input type="hidden" name="command" value={c.command} />
              </ActionForm>
            ))}
          {may.abort && v.status !== "rolling_back" && (
            <ActionForm action={wrap(control, refresh)} submitLabel="Abort and roll back" toast="Abort requested: traffic is going back to the stable version." variant="danger" confirm="Abort this rollout and send all traffic back to the stable version?" className="flex items-end gap-2" aria-label="Abort">
              <input type="hidden" name="rolloutId" value={v.id} />
              <input type="hidden" name="command" value="abort" />
              <Field name="reason" label="Reason" />
            </ActionForm>
          )}
        </section>
      )}

      {!live && (
        <section aria-label="Deploy log" className="flex items-center gap-3 text-sm">
          <span className="font-medium">Deploy log record (runbook 001):</span>
          <a href={`/api/rollouts/${v.id}/deploy-log`} className="text-sky-700 underline" target="_blank" rel="noreferrer">
            View JSON
          </a>
          <a href={`/api/rollouts/${v.id}/deploy-log?download=1`} className="text-sky-700 underline">
            Download
          </a>
        </section>
      )}

      <section aria-label="Job log" className="rounded-lg border border-slate-200 bg-slate-950 p-3 font-mono text-xs text-slate-100">
        <h2 className="mb-2 font-sans text-sm font-semibold text-slate-300">Job log</h2>
        <ol className="max-h-80 space-y-0.5 overflow-auto" data-testid="job-log">
          {log.map((l) => (
            <li key={l.id} className={l.level === "error" ? "text-red-300" : l.level === "warn" ? "text-amber-300" : ""}>
              {formatClock(l.at)} {l.message}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/** Refreshes the live view as soon as a control action returns. */
function wrap(action: Action, after: () => void): Action {
  return async (prev, payload) => {
    const result = await action(prev, payload);
    after();
    return result;
  };
}
