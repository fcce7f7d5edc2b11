"use client";

import { type KeyboardEvent, useId, useRef, useState } from "react";
import { PRESETS, PRESET_NAMES, type PresetName, renderPreset } from "@/lib/drivers/command/presets";

const inputClass = "mt-1 w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm aria-[invalid=true]:border-red-600";

/**
 * "Start from a preset" on the service form (admins only, like the whole form): a Kubernetes
 * preset's parameters (lib/drivers/command/presets.ts, checked in the browser with the same zod
 * schema) fill the form's deploy-target field with a `command` target whose commands the admin
 * reviews or edits before saving; the server validates the saved target as any other. The
 * parameters have no `name`, so they are never sent with the form.
 */
export function DeployTargetPreset({ field = "deployTarget" }: { field?: string }) {
  const id = useId().replace(/:/g, "");
  const ref = useRef<HTMLFieldSetElement>(null);
  const [preset, setPreset] = useState<PresetName>(PRESET_NAMES[0]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [filled, setFilled] = useState(false);
  const def = PRESETS[preset];
  const key = (name: string) => `${preset}.${name}`;

  function fill() {
    const params = Object.fromEntries(def.fields.map((f) => [f.name, values[key(f.name)] ?? ""]));
    const r = renderPreset(preset, params);
    if (!r.ok) {
      setErrors(r.fieldErrors);
      setFilled(false);
      return;
    }
    const target = ref.current?.form?.elements.namedItem(field);
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) target.value = JSON.stringify(r.target, null, 2);
    setErrors({});
    setFilled(true);
  }
  // Enter in a parameter fills the target instead of submitting the service form.
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      fill();
    }
  };

  return (
    <details className="rounded border border-slate-200 bg-slate-50 p-3">
      <summary className="cursor-pointer text-sm font-medium">Start from a preset (Kubernetes, Helm)</summary>
      <fieldset ref={ref} className="mt-3 space-y-3">
        <legend className="sr-only">Preset parameters</legend>
        <div>
          <label htmlFor={`${id}-preset`} className="block text-sm font-medium">
            Preset
          </label>
          <select
            id={`${id}-preset`}
            className={inputClass}
            value={preset}
            onChange={(e) => {
              setPreset(e.target.value as PresetName);
              setErrors({});
              setFilled(false);
            }}
          >
            {PRESET_NAMES.map((p) => (
              <option key={p} value={p}>
                {PRESETS[p].label}
              </option>
            ))}
          </select>
          <p className="mt-1 text-xs text-slate-500">{def.runbook}</p>
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          {def.fields.map((f) => {
            const fid = `${id}-${f.name}`;
            const error = errors[f.name];
            const describedBy = [f.hint ? `${fid}-hint` : null, error ? `${fid}-error` : null].filter(Boolean).join(" ") || undefined;
            return (
              <div key={key(f.name)}>
                <label htmlFor={fid} className="block text-sm font-medium">
                  {f.label}
                  {f.optional ? <span className="font-normal text-slate-500"> (optional)</span> : null}
                </label>
                <input
                  id={fid}
                  className={inputClass}
                  value={values[key(f.name)] ?? ""}
                  placeholder={f.placeholder}
                  autoComplete="off"
                  aria-invalid={error ? true : undefined}
                  aria-describedby={describedBy}
                  onKeyDown={onKeyDown}
                  onChange={(e) => setValues((v) => ({ ...v, [key(f.name)]: e.target.value }))}
                />
                {f.hint && (
                  <p id={`${fid}-hint`} className="mt-1 text-xs text-slate-500">
                    {f.hint}
                  </p>
                )}
                {error && (
                  <p id={`${fid}-error`} className="mt-1 text-sm text-red-700">
                    {error}
                  </p>
                )}
              </div>
            );
          })}
        </div>
        {errors.preset && <p className="text-sm text-red-700">{errors.preset}</p>}
        <div className="flex items-center gap-3">
          <button type="button" onClick={fill} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100">
            Fill the deploy target
          </button>
          <p aria-live="polite" className="text-sm text-slate-700">
            {filled ? "The deploy target below now holds the preset's commands: review or edit them, then save." : ""}
          </p>
        </div>
      </fieldset>
    </details>
  );
}
