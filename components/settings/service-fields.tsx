import { ActionForm, Field } from "@/components/ui/action-form";
import { DeployTargetPreset } from "@/components/settings/deploy-target-preset";
import type { ActionResult } from "@/lib/actions/result";
import { DEFAULT_LOCAL_TARGET } from "@/lib/domain/deploy-target";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

/**
 * Create / edit form of a service (admins only). It defines every shell command the service's
 * releases can run: the deploy target's and the migration catalog's (JSON validated on the server).
 */
export function ServiceFields(props: {
  action: Action;
  submitLabel: string;
  resetOnSuccess?: boolean;
  values?: { id: number; rowVersion: number; name: string; owner: string; description: string; deployTarget: string; migrations: string };
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
      <DeployTargetPreset />
      <Field
        name="deployTarget"
        label="Deploy target (JSON)"
        multiline
        rows={6}
        defaultValue={v ? JSON.stringify(JSON.parse(v.deployTarget), null, 2) : JSON.stringify(DEFAULT_LOCAL_TARGET, null, 2)}
        hint='driver "local" {entry, routerPort, healthPath, sticky} (traffic is split at random per request; sticky {"header": "x-user-id"} or {"cookie": "session"} keeps each user on one version), "pm2" {script, mainPort, canaryPort}, "proxy" {listenPort, stable, canary, healthPath, sticky} (HAProxy in front of two http://host:port upstreams your own deploy fills), or "command" {commands: {deploy, setWeight, promote, rollback, status}, timeoutSeconds}; command templates use {{service}}, {{environment}}, {{version}}, {{stableVersion}}, {{weight}}, {{opId}}.'
      />
      <Field
        name="migrations"
        label="Migrations (JSON)"
        multiline
        rows={6}
        defaultValue={v ? JSON.stringify(JSON.parse(v.migrations), null, 2) : "[]"}
        hint='The migrations releases of this service may pick, in run order: [{"id": "2026-06-add-col", "kind": "expand" | "contract", "description": "...", "command": "./migrate.sh {{migration}}"}]. Expand runs before the rollout, contract after every deployment is healthy; without "command" it is recorded as applied outside Flightdeck. Commands use {{service}}, {{environment}}, {{version}}, {{migration}} (shell-quoted; also $FLIGHTDECK_VERSION, ...).'
      />
    </ActionForm>
  );
}
