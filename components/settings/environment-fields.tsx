import { ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

export function EnvironmentFields(props: {
  action: Action;
  submitLabel: string;
  resetOnSuccess?: boolean;
  values?: { id: number; rowVersion: number; name: string; description: string; production: boolean; sortOrder: number };
}) {
  const v = props.values;
  return (
    <ActionForm action={props.action} submitLabel={props.submitLabel} successMessage="Saved." resetOnSuccess={props.resetOnSuccess} aria-label={props.submitLabel}>
      {v && (
        <>
          <input type="hidden" name="id" value={v.id} />
          <input type="hidden" name="rowVersion" value={v.rowVersion} />
        </>
      )}
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="name" label="Name" defaultValue={v?.name} hint="Lowercase letters, digits and dashes." />
        <Field name="description" label="Description" defaultValue={v?.description} />
        <Field name="sortOrder" label="Order" type="number" defaultValue={v?.sortOrder ?? 0} />
      </div>
      <Checkbox name="production" label="Production-class (approvals, security gate and freezes apply)" defaultChecked={v?.production} />
    </ActionForm>
  );
}
