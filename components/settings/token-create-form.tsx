"use client";

import { useState } from "react";
import { ActionForm, CheckboxGroup, Field } from "@/components/ui/action-form";
import type { ActionResult } from "@/lib/actions/result";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

interface Created {
  id: number;
  name: string;
  secret: string;
}

function isCreated(data: unknown): data is Created {
  return typeof data === "object" && data !== null && typeof (data as Created).secret === "string";
}

/** The new token's secret, once: copy it now, it cannot be shown again. */
export function TokenSecret({ created }: { created: Created }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }
  return (
    <div role="alert" aria-label="New API token" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm">
      <p className="font-semibold text-amber-900">Copy your new token “{created.name}” now: it is shown only this once.</p>
      <p className="mt-1 text-amber-900">Flightdeck keeps only a hash of it. Treat it like a password; if it leaks, revoke it below.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code data-testid="token-secret" className="select-all break-all rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs">
          {created.secret}
        </code>
        <button type="button" onClick={() => void copy()} className="rounded border border-slate-300 bg-white px-2 py-1 text-xs font-medium hover:bg-slate-100">
          Copy token
        </button>
        <span role="status" className="text-xs text-slate-600">
          {copied === "yes" ? "Copied." : copied === "failed" ? "Could not copy: select the token and copy it by hand." : ""}
        </span>
      </div>
    </div>
  );
}

/** Create an API token: name, scopes the person's roles allow, environment limit, expiry. */
export function TokenCreateForm(props: {
  action: Action;
  scopes: { value: string; label: string }[];
  environments: string[];
  defaultDays: number;
  maxDays: number;
}) {
  return (
    <ActionForm
      action={props.action}
      submitLabel="Create token"
      toast="Token created: copy it now, it is shown only once."
      pendingLabel="Creating…"
      resetOnSuccess
      aria-label="Create API token"
      renderSuccess={(data) => (isCreated(data) ? <TokenSecret created={data} /> : null)}
    >
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="name" label="Name" maxLength={100} hint="What will use it, e.g. “CI staging deploys”." />
        <Field
          name="environment"
          label="Environment"
          options={[{ value: "", label: "Any environment" }, ...props.environments.map((e) => ({ value: e, label: `Only ${e}` }))]}
          hint="A token limited to one environment cannot act on another."
        />
        <Field name="expiresInDays" label="Expires in (days)" type="number" defaultValue={props.defaultDays} hint={`1 to ${props.maxDays} days.`} />
      </div>
      <CheckboxGroup name="scopes" legend="Scopes (only those your roles allow)" options={props.scopes} />
    </ActionForm>
  );
}
