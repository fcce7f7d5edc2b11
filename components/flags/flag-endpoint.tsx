import { ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";
import { DEFAULT_FLAG_BODY, FLAG_HOOK_VARIABLES } from "@/lib/domain/flags/external";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

/** The last send to the external flag service, as its audit event recorded it. */
export interface LastSync {
  ok: boolean;
  at: string;
  enabled: boolean;
  rolloutPercentage: number;
  attempts: number;
  answer: string;
  error: string | null;
}

/**
 * External flag service of a flag (runbook 002's curl): what it is (URL masked), the last send's
 * outcome, and for admins the form to set, replace or remove it.
 */
export function FlagEndpoint(props: { flagId: number; rowVersion: number; maskedUrl: string | null; body: string | null; lastSync: LastSync | null; action?: Action }) {
  const { lastSync } = props;
  return (
    <div className="space-y-3 text-sm">
      <p className="text-slate-600">
        Every change of this flag (a rollout step, a rollback, a manual edit) is also sent to the team&apos;s own flag service; failures on network errors and 5xx are retried
        with backoff.
      </p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1">
        <dt className="font-medium">Endpoint</dt>
        <dd className="font-mono text-xs">{props.maskedUrl ? `POST ${props.maskedUrl}` : "none"}</dd>
        {props.maskedUrl && (
          <>
            <dt className="font-medium">Body</dt>
            <dd className="font-mono text-xs break-all">{props.body ?? DEFAULT_FLAG_BODY}</dd>
          </>
        )}
        <dt className="font-medium">Last send</dt>
        <dd data-testid="flag-last-sync">
          {lastSync ? (
            <span className={lastSync.ok ? "text-emerald-700" : "text-red-700"}>
              {lastSync.ok ? "Sent" : "Failed"} {lastSync.enabled ? "on" : "off"}, {lastSync.rolloutPercentage}% at {lastSync.at} ({lastSync.answer}, {lastSync.attempts} attempt
              {lastSync.attempts === 1 ? "" : "s"}){lastSync.error ? `: ${lastSync.error}` : ""}
            </span>
          ) : (
            "nothing sent yet"
          )}
        </dd>
      </dl>
      {props.action && (
        <ActionForm action={props.action} submitLabel="Save endpoint" successMessage="Saved." aria-label="External flag service">
          <input type="hidden" name="id" value={props.flagId} />
          <input type="hidden" name="rowVersion" value={props.rowVersion} />
          <Field
            name="url"
            label="Flag service URL"
            type="url"
            autoComplete="off"
            maxLength={2000}
            hint={props.maskedUrl ? `Stored: ${props.maskedUrl}. Leave empty to keep it.` : "http:// or https:// only, e.g. https://flags.example.com/feature-flags/release_20250814. Stored as a secret: shown back masked."}
          />
          <Field
            name="body"
            label="Body template (JSON)"
            multiline
            rows={3}
            defaultValue={props.body ?? ""}
            maxLength={4000}
            hint={`Leave empty for runbook 002's ${DEFAULT_FLAG_BODY}. Variables: ${FLAG_HOOK_VARIABLES.map((v) => `{{${v}}}`).join(", ")}.`}
          />
          {props.maskedUrl && <Checkbox name="remove" label="Remove the endpoint (stop sending)" />}
        </ActionForm>
      )}
    </div>
  );
}
