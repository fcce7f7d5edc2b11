import { ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import { DEFAULT_HOOK_BODY, HOOK_LIMITS, HOOK_METHODS, HOOK_STAGES, HOOK_STAGE_LABELS, HOOK_VARIABLES, type HookMethod, type HookStage } from "@/lib/domain/hooks/step-hooks";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

/** A hook as the settings page may show it: the URL masked (it is a secret). */
export interface HookView {
  id: number;
  rowVersion: number;
  name: string;
  stage: HookStage;
  method: HookMethod;
  maskedUrl: string;
  bodyTemplate: string | null;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  enabled: boolean;
}

const stageOptions = HOOK_STAGES.map((s) => ({ value: s, label: HOOK_STAGE_LABELS[s] }));
const methodOptions = HOOK_METHODS.map((m) => ({ value: m, label: m }));
const bodyHint = `JSON sent with the call; leave empty for the default ${DEFAULT_HOOK_BODY}. Variables: ${HOOK_VARIABLES.map((v) => `{{${v}}}`).join(", ")} (quote text ones).`;

/** The fields shared by the add and edit forms of a hook. */
function HookFields(props: { values?: HookView }) {
  const v = props.values;
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="name" label="Name" defaultValue={v?.name} hint="e.g. load-test, e2e-suite" maxLength={80} />
        <Field name="stage" label="Runs" options={stageOptions} defaultValue={v?.stage ?? "per_step"} />
        <Field name="method" label="Method" options={methodOptions} defaultValue={v?.method ?? "POST"} />
      </div>
      <Field
        name="url"
        label="URL"
        type="url"
        autoComplete="off"
        maxLength={2000}
        hint={v ? `Stored: ${v.maskedUrl}. Leave empty to keep it.` : "http:// or https:// only. Stored as a secret: shown back masked."}
      />
      <Field name="body" label="Body template (JSON)" multiline rows={3} defaultValue={v?.bodyTemplate ?? ""} hint={bodyHint} maxLength={4000} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field
          name="timeoutSeconds"
          label="Timeout (seconds)"
          type="number"
          defaultValue={v ? v.timeoutMs / 1000 : HOOK_LIMITS.timeoutSeconds.default}
          hint={`${HOOK_LIMITS.timeoutSeconds.min}-${HOOK_LIMITS.timeoutSeconds.max}`}
        />
        <Field name="retries" label="Retries" type="number" defaultValue={v?.retries ?? 0} hint={`0-${HOOK_LIMITS.retries.max} extra attempts`} />
        <Field name="retryDelaySeconds" label="Delay between attempts (seconds)" type="number" defaultValue={v ? v.retryDelayMs / 1000 : HOOK_LIMITS.retryDelaySeconds.default} />
      </div>
    </>
  );
}

/**
 * Step hooks of a service (admins only): HTTP calls before the rollout, at each traffic step and
 * before promotion. A non-2xx answer or a timeout (after the retries) holds the step until Retry.
 */
export function StepHooks(props: { serviceId: number; hooks: HookView[]; createAction: Action; updateAction: Action; deleteAction: Action }) {
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600">
        Pre-rollout runs before the first step, each-step hooks once a step&apos;s traffic weight is set (before its hold counts), pre-promotion before the final step. A non-2xx
        answer or a timeout after the retries holds the step: the rollout page shows the answer and offers Retry, which calls the hook again.
      </p>
      {props.hooks.length === 0 && <p className="text-sm text-slate-500">No hooks yet.</p>}
      <ul className="space-y-4" aria-label="Step hooks">
        {props.hooks.map((h) => (
          <li key={h.id} className="rounded border border-slate-200 p-3">
            <h3 className="mb-2 text-sm font-semibold">
              {h.name} <span className="font-normal text-slate-500">— {HOOK_STAGE_LABELS[h.stage]}, {h.method} {h.maskedUrl}{h.enabled ? "" : " (disabled)"}</span>
            </h3>
            <ActionForm action={props.updateAction} submitLabel="Save hook" successMessage="Saved." aria-label={`Edit hook ${h.name}`}>
              <input type="hidden" name="id" value={h.id} />
              <input type="hidden" name="rowVersion" value={h.rowVersion} />
              <HookFields values={h} />
              <Checkbox name="enabled" label="Enabled" defaultChecked={h.enabled} />
            </ActionForm>
            <ActionForm action={props.deleteAction} submitLabel="Delete hook" toast={`Hook ${h.name} deleted.`} variant="danger" confirm={`Delete hook ${h.name}?`} className="mt-2" aria-label={`Delete hook ${h.name}`}>
              <input type="hidden" name="id" value={h.id} />
            </ActionForm>
          </li>
        ))}
      </ul>
      <div>
        <h3 className="mb-2 text-sm font-semibold">Add a hook</h3>
        <ActionForm action={props.createAction} submitLabel="Add hook" successMessage="Hook added." resetOnSuccess aria-label="Add a step hook">
          <input type="hidden" name="serviceId" value={props.serviceId} />
          <HookFields />
        </ActionForm>
      </div>
    </div>
  );
}
