import { ActionForm, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import { CI_URL_VARIABLES, DEFAULT_CHECKLIST, DEFAULTS } from "@/lib/domain/promote-gates/config";
import { ROLES, ROLE_LABELS } from "@/lib/domain/roles";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

const ciKinds = [
  { value: "none", label: "No CI gate" },
  { value: "command", label: "A command (exit 0 = passed)" },
  { value: "url", label: "A URL (2xx = passed)" },
];
const roleOptions = [{ value: "", label: "No attestation" }, ...ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))];

/**
 * Promote gates of a service (runbook 000 section 4, admins only): what must hold before the
 * canary becomes main. A blank gate is off. The rollout page shows each gate's standing.
 */
export function PromoteGatesForm(props: { serviceId: number; rowVersion: number; values: Record<string, string>; error: string | null; buildsFromGit: boolean; action: Action }) {
  const v = props.values;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">
        Before promotion the worker checks every gate set here; promotion is refused with the reasons until all pass. While only the quiet period or the attestation is
        missing, the gates are checked again every few seconds and the rollout promotes by itself. Listed smoke endpoints are also checked before every traffic shift.
      </p>
      {props.error && (
        <p role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-sm text-red-800">
          {props.error}
        </p>
      )}
      <ActionForm action={props.action} submitLabel="Save promote gates" successMessage="Saved." aria-label="Promote gates">
        <input type="hidden" name="serviceId" value={props.serviceId} />
        <input type="hidden" name="rowVersion" value={props.rowVersion} />
        <fieldset className="space-y-3 rounded border border-slate-200 p-3">
          <legend className="px-1 text-sm font-semibold">CI gate on the same commit</legend>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="ciKind" label="Checked by" options={ciKinds} defaultValue={v.ciKind} />
            <Field name="ciTimeoutSeconds" label="Timeout (seconds)" type="number" defaultValue={v.ciTimeoutSeconds} hint={`1-3600, default ${DEFAULTS.ciTimeoutSeconds}`} />
          </div>
          <Field
            name="ciCommand"
            label="Command"
            defaultValue={v.ciCommand}
            maxLength={2000}
            hint="e.g. npm run ci:gate. Gets FLIGHTDECK_COMMIT, FLIGHTDECK_VERSION, FLIGHTDECK_SERVICE and FLIGHTDECK_ENVIRONMENT."
          />
          <Field
            name="ciCwd"
            label="Runs in"
            defaultValue={v.ciCwd}
            maxLength={1000}
            hint={props.buildsFromGit ? "Leave empty to run in the commit's release directory, or give an absolute path." : "Absolute path (this service is not built from git, so it has no release directory)."}
          />
          <Field name="ciUrl" label="Status URL" type="url" defaultValue={v.ciUrl} maxLength={2000} hint={`GET, 2xx = passed. Variables: ${CI_URL_VARIABLES.map((x) => `{{${x}}}`).join(", ")}.`} />
        </fieldset>
        <fieldset className="mt-3 space-y-3 rounded border border-slate-200 p-3">
          <legend className="px-1 text-sm font-semibold">Canary smoke endpoints</legend>
          <Field name="smokePaths" label="Paths, one per line" multiline rows={3} defaultValue={v.smokePaths} hint="Each must answer HTTP 200 within the timeout, e.g. /api/openclaw/status" />
          <Field name="smokeTimeoutSeconds" label="Timeout (seconds)" type="number" defaultValue={v.smokeTimeoutSeconds} hint="1-60" className="sm:w-1/3" />
        </fieldset>
        <fieldset className="mt-3 space-y-3 rounded border border-slate-200 p-3">
          <legend className="px-1 text-sm font-semibold">No critical lines in the canary&apos;s logs</legend>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="logPattern" label="Critical pattern (regular expression)" defaultValue={v.logPattern} maxLength={500} className="sm:col-span-2" hint="e.g. FATAL|Unhandled, or /fatal|panic/i with flags. Empty: off." />
            <Field name="logQuietSeconds" label="Quiet period (seconds)" type="number" defaultValue={v.logQuietSeconds} hint={`default ${DEFAULTS.quietSeconds} (10 min)`} />
          </div>
        </fieldset>
        <fieldset className="mt-3 space-y-3 rounded border border-slate-200 p-3">
          <legend className="px-1 text-sm font-semibold">Core path validated by a person</legend>
          <Field name="attestRole" label="Role that attests" options={roleOptions} defaultValue={v.attestRole} className="sm:w-1/2" />
          <Field name="attestChecklist" label="Checklist, one item per line" multiline rows={3} defaultValue={v.attestChecklist} hint={`Empty: runbook 000's ${DEFAULT_CHECKLIST.join(", ")}.`} />
        </fieldset>
      </ActionForm>
    </div>
  );
}
