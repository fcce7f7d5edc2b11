import { ActionForm, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import { DEFAULT_LOCAL_TARGET } from "@/lib/domain/deploy-target";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

/** Create / edit form of a service; the deploy target is JSON validated on the server. */
export function ServiceFields(props: {
  action: Action;
  submitLabel: string;
  resetOnSuccess?: boolean;
  values?: { id: number; rowVersion: number; name: string; owner: string; description: string; deployTarget: string };
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
      <div className="grid gap-3 sm:grid-cols-2">
        <Field name="name" label="Name" defaultValue={v?.name} hint="Lowercase letters, digits and dashes." />
        <Field name="owner" label="Owner" defaultValue={v?.owner} />
      </div>
      <Field name="description" label="Description" defaultValue={v?.description} />
      <Field
        name="deployTarget"
        label="Deploy target (JSON)"
        multiline
        rows={6}
        defaultValue={v ? JSON.stringify(JSON.parse(v.deployTarget), null, 2) : JSON.stringify(DEFAULT_LOCAL_TARGET, null, 2)}
        hint='driver "local" {entry, routerPort, healthPath}, "pm2" {script, mainPort, canaryPort}, or "command" {commands: {deploy, setWeight, promote, rollback, status}, timeoutSeconds}.'
      />
    </ActionForm>
  );
}
