"use client";

import { ActionForm, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import type { ReplayAnalysisResult } from "@/lib/domain/analysis/replay";
import { ReplayResults } from "./replay-results";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

const LIMITS = [5, 10, 20, 50];

/**
 * The "Canary analysis" form of a service: the config JSON, saved by "Save analysis", or run as a
 * draft over the service's past rollouts by "Replay draft over past rollouts" (nothing saved).
 */
export function AnalysisConfigForm(props: {
  serviceId: number;
  rowVersion: number;
  configJson: string;
  stored: boolean;
  storedError: string | null;
  /** How many past rollouts the replay takes unless told otherwise. */
  replayLimit: number;
  saveAction: Action;
  replayAction: Action;
}) {
  return (
    <ActionForm
      action={props.saveAction}
      submitLabel="Save analysis"
      successMessage="Saved."
      aria-label="Canary analysis"
      secondary={{
        action: props.replayAction,
        label: "Replay draft over past rollouts",
        pendingLabel: "Replaying…",
        render: (r) => (r.ok ? <ReplayResults result={r.data as ReplayAnalysisResult} /> : null),
      }}
    >
      <input type="hidden" name="serviceId" value={props.serviceId} />
      <input type="hidden" name="rowVersion" value={props.rowVersion} />
      {props.storedError && (
        <p role="alert" className="text-sm text-red-800">
          The stored config no longer validates ({props.storedError}); analysis reports errors until it is fixed.
        </p>
      )}
      <Field
        name="config"
        label="Analysis config (JSON)"
        multiline
        rows={14}
        defaultValue={props.configJson}
        hint={`${props.stored ? "Stored config." : "Not configured: the runbook defaults shown apply."} Rules: metric (request_rate, p50_ms, p95_ms, p99_ms, error_rate, burn_rate, cpu_pct, memory_pct), comparison (absolute, relative to baseline, slo), threshold, forSeconds, action (rollback_immediate, rollback_gradual, hold). provider: {"kind":"builtin"} or {"kind":"prometheus","url":…,"queries":{…}}; timeScale shrinks every duration.`}
      />
      <Field
        name="limit"
        label="Past rollouts to replay"
        className="max-w-xs"
        defaultValue={props.replayLimit}
        options={[...new Set([...LIMITS, props.replayLimit])].sort((a, b) => a - b).map((n) => ({ value: String(n), label: `last ${n}` }))}
        hint="Replay runs the JSON above, unsaved, over the stored samples of this service's last rollouts with a baseline."
      />
    </ActionForm>
  );
}
