"use client";

import { type Action, ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import type { EditField } from "@/lib/domain/release/edit";

export interface EditReleaseValues {
  releaseId: number;
  rowVersion: number;
  version: string;
  commitSha: string;
  changeLog: string;
  rollbackPlan: string;
  strategy: string;
  migrations: string;
  hotfix: boolean;
  sev1: boolean;
  soakMinutes: number;
  monitoringMinutes: number;
}

interface Saved {
  changes?: { label: string; before: string; after: string }[];
  reRequested?: string[];
}

const MONITORING = [
  { value: "15", label: "15 min (active monitoring)" },
  { value: "60", label: "1 h (on-call on standby)" },
  { value: "1440", label: "24 h (enhanced monitoring)" },
];

/**
 * The release's Edit form (issue 14, item 2): the fields its phase lets a captain change, the
 * others carried as they are (the server refuses any change to them with the phase named). After
 * saving it shows the change as a diff and the approvals requested again.
 */
export function EditReleaseForm({ action, values: v, editable, phaseLabel, textMax }: { action: Action; values: EditReleaseValues; editable: EditField[]; phaseLabel: string; textMax: { changeLog?: number; rollbackPlan?: number } }) {
  const can = (f: EditField) => editable.includes(f);
  const hidden = (name: string, value: string | number | boolean) => <input type="hidden" name={name} value={String(value)} />;
  return (
    <ActionForm
      action={action}
      submitLabel="Save changes" toast="Release updated."
      pendingLabel="Saving…"
      aria-label="Edit release"
      className="space-y-3"
      renderSuccess={(data) => {
        const saved = (data ?? {}) as Saved;
        return (
          <div role="status" className="mt-3 rounded border border-emerald-200 bg-emerald-50 p-2 text-sm" data-testid="edit-diff">
            <p className="font-medium">Saved.</p>
            <ul className="mt-1 space-y-1">
              {(saved.changes ?? []).map((c) => (
                <li key={c.label}>
                  {c.label}: <del className="text-red-700">{c.before || "(empty)"}</del> → <ins className="text-emerald-800 no-underline">{c.after || "(empty)"}</ins>
                </li>
              ))}
            </ul>
            {saved.reRequested && saved.reRequested.length > 0 && <p className="mt-1">The approvals it voided were requested again: {saved.reRequested.join(", ")}.</p>}
          </div>
        );
      }}
    >
      <p className="text-xs text-slate-600">In {phaseLabel} you can change: {editable.length ? "the fields below" : "nothing"}. A change to what approvers approved voids their approvals and sign-offs and asks for them again.</p>
      {hidden("releaseId", v.releaseId)}
      {hidden("rowVersion", v.rowVersion)}
      {can("version") ? <Field name="version" label="Version" defaultValue={v.version} /> : hidden("version", v.version)}
      {can("commitSha") ? <Field name="commitSha" label="Commit" defaultValue={v.commitSha} /> : hidden("commitSha", v.commitSha)}
      {can("changeLog") ? <Field name="changeLog" label="Change-log entry" multiline rows={3} defaultValue={v.changeLog} maxLength={textMax.changeLog} /> : hidden("changeLog", v.changeLog)}
      {can("rollbackPlan") ? <Field name="rollbackPlan" label="Rollback plan" multiline rows={2} defaultValue={v.rollbackPlan} maxLength={textMax.rollbackPlan} /> : hidden("rollbackPlan", v.rollbackPlan)}
      {can("strategy") ? <Field name="strategy" label="Strategy (JSON)" multiline rows={2} defaultValue={v.strategy} /> : hidden("strategy", v.strategy)}
      {hidden("migrations", v.migrations)}
      {can("soakMinutes") ? <Field name="soakMinutes" label="Staging soak (minutes)" type="number" defaultValue={v.soakMinutes} /> : hidden("soakMinutes", v.soakMinutes)}
      {can("monitoringMinutes") ? <Field name="monitoringMinutes" label="Monitoring window" defaultValue={String(v.monitoringMinutes)} options={MONITORING} /> : hidden("monitoringMinutes", v.monitoringMinutes)}
      {can("hotfix") ? <Checkbox name="hotfix" label="Emergency hotfix (two Governance Sentinels approve)" defaultChecked={v.hotfix} /> : hidden("hotfix", v.hotfix)}
      {can("sev1") ? <Checkbox name="sev1" label="Fixes a SEV-1 incident (may pass a freeze)" defaultChecked={v.sev1} /> : hidden("sev1", v.sev1)}
    </ActionForm>
  );
}
