import { ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;
type Option = { id: number; name: string };

/** The create / edit form of a flag: key (create only), state, percentage, binding. */
export function FlagFields(props: {
  action: Action;
  submitLabel: string;
  services: Option[];
  environments: Option[];
  resetOnSuccess?: boolean;
  values?: { id: number; rowVersion: number; description: string; enabled: boolean; rolloutPercentage: number; serviceId: number | null; environmentId: number | null };
}) {
  const v = props.values;
  const none = { value: "", label: "Not bound" };
  return (
    <ActionForm action={props.action} submitLabel={props.submitLabel} successMessage="Saved." resetOnSuccess={props.resetOnSuccess} aria-label={props.submitLabel}>
      {v ? (
        <>
          <input type="hidden" name="id" value={v.id} />
          <input type="hidden" name="rowVersion" value={v.rowVersion} />
        </>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-3">
        {!v && <Field name="key" label="Key" hint="What applications ask for, e.g. release_20250814." maxLength={100} />}
        <Field name="description" label="Description" defaultValue={v?.description} maxLength={500} />
        <Field name="rolloutPercentage" label="Rollout percentage" type="number" defaultValue={v?.rolloutPercentage ?? 0} hint="0-100: share of targeting keys that get the flag." />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field name="serviceId" label="Bound service" defaultValue={v?.serviceId ?? ""} options={[none, ...props.services.map((s) => ({ value: String(s.id), label: s.name }))]} />
        <Field
          name="environmentId"
          label="Bound environment"
          defaultValue={v?.environmentId ?? ""}
          options={[none, ...props.environments.map((e) => ({ value: String(e.id), label: e.name }))]}
          hint="A bound flag follows the service's rollouts there: each step's weight, 100% on promotion, off on a rollback."
        />
      </div>
      <Checkbox name="enabled" label="Enabled" defaultChecked={v?.enabled} />
    </ActionForm>
  );
}
