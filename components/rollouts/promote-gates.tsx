import { AutoRefresh } from "@/components/layout/auto-refresh";
import { ActionForm, CheckboxGroup, Field } from "@/components/ui/action-form";
import { Card } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import type { ActionResult } from "@/lib/actions/result";
import type { PromoteGatesView } from "@/lib/services/promote-gates/promote-gates-view";

type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

const BADGE = {
  pending: "bg-amber-100 text-amber-900",
  passed: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  none: "bg-slate-100 text-slate-700",
} as const;

/**
 * Runbook 000's promote criteria on the rollout page (issue 13 item 3): each gate with its status
 * and evidence, why promotion is refused, and the attestation checklist for the role that signs it.
 */
export function PromoteGates({ view, attestAction }: { view: PromoteGatesView; attestAction: Action }) {
  return (
    <Card title="Promote gates">
      {view.waiting && <AutoRefresh everyMs={3000} />}
      <div className="space-y-3 text-sm" data-testid="promote-gates">
        {view.configError && (
          <p role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-red-800">
            {view.configError}
          </p>
        )}
        {view.refusal && (
          <div role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-amber-900">
            <p className="font-medium">{view.refusal.startsWith("Promotion waits") ? "Promotion waits for:" : "Promotion is refused because:"}</p>
            <ul className="ml-5 list-disc">
              {view.gates
                .filter((g) => g.status && g.status !== "passed")
                .map((g) => (
                  <li key={g.gate}>
                    {g.label}: {g.summary}
                  </li>
                ))}
            </ul>
          </div>
        )}
        <ul className="space-y-2" aria-label="Promote gates">
          {view.gates.map((g) => (
            <li key={g.gate} data-gate={g.gate} data-status={g.status ?? "not-evaluated"} className="rounded border border-slate-200 p-2">
              <p className="flex flex-wrap items-center gap-2">
                <span className={`rounded px-1.5 text-xs font-medium ${BADGE[g.status ?? "none"]}`}>{g.status ?? "not evaluated yet"}</span>
                <span className="font-medium">{g.label}</span>
                {g.evaluatedAt !== null && (
                  <span className="text-xs text-slate-500">
                    checked <Time at={g.evaluatedAt} />
                  </span>
                )}
              </p>
              <p className="mt-1 text-slate-700">{g.summary ?? "Checked when the rollout reaches promotion."}</p>
              {g.checks.length > 0 && (
                <ul className="mt-1 ml-5 list-disc text-xs">
                  {g.checks.map((c) => (
                    <li key={c.path} className={c.ok ? "text-slate-600" : "text-red-800"}>
                      {c.path}: {c.detail} ({c.ms} ms)
                    </li>
                  ))}
                </ul>
              )}
              {g.matches.map((m) => (
                <pre key={`${m.file}:${m.line}`} className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs" aria-label={`Critical line ${m.line} of ${m.file}`}>
                  {m.before.map((l) => `  ${l}\n`).join("")}
                  <mark className="bg-red-100 text-red-900">{`> ${m.text}`}</mark>
                  {"\n"}
                  {m.after.map((l) => `  ${l}`).join("\n")}
                </pre>
              ))}
              {g.gate === "ci" && g.output && g.status === "failed" && <pre className="mt-1 max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs">{g.output}</pre>}
            </li>
          ))}
        </ul>
        {view.attestation && (
          <div className="rounded border border-slate-200 p-2">
            <h3 className="font-medium">Core path validated ({view.attestation.roleLabel})</h3>
            {view.attestation.attested ? (
              <p className="mt-1">
                Attested by {view.attestation.attested.name} ({view.attestation.attested.email}), <Time at={view.attestation.attested.at} />: {view.attestation.attested.items.join(", ")}
                {view.attestation.attested.note ? `. ${view.attestation.attested.note}` : ""}
              </p>
            ) : view.attestation.canAttest ? (
              <ActionForm action={attestAction} submitLabel="Attest core path validated" successMessage="Attested." aria-label="Attest the core path">
                <input type="hidden" name="rolloutId" value={view.rolloutId} />
                <CheckboxGroup name="items" legend="Validated on the canary" options={view.attestation.checklist.map((i) => ({ value: i, label: i }))} />
                <Field name="note" label="Note (optional)" maxLength={1000} />
              </ActionForm>
            ) : (
              <p className="mt-1 text-slate-600">
                Waiting for the attestation: {view.attestation.checklist.join(", ")}. {view.attestation.whyNot}
              </p>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}
