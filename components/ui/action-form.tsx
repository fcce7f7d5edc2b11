"use client";

import { type FormEvent, type ReactNode, createContext, startTransition, useActionState, useContext, useEffect, useId, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/actions/result";
import { type FieldSize, oversizeErrors } from "@/lib/domain/form-size";
import { useConfirmation } from "./confirmation";

export type Action = (prev: ActionResult | null, payload: FormData) => Promise<ActionResult>;

const ResultContext = createContext<ActionResult | null>(null);
const noAction: Action = () => Promise.resolve({ ok: true, data: null });

/** What the form says when the server could not answer at all (e.g. a body over Next's limit). */
const UNREACHABLE: ActionResult = {
  ok: false,
  code: "INTERNAL",
  message: "The server could not take this form (it may be too large). Nothing was saved; your entries are still here.",
};

/**
 * The action as the form runs it. A failure to answer (Next refusing the body, a dropped
 * connection) becomes a result, not a thrown error: a thrown action error would replace the page
 * with the error boundary and lose everything typed. A success calls `onOk` as soon as the answer
 * arrives, before React commits it: a form the answer removes (Sign, Approve) still confirms.
 */
function answering(action: Action, onOk?: () => void): Action {
  return async (prev, payload) => {
    let result: ActionResult;
    try {
      result = await action(prev, payload);
    } catch {
      return UNREACHABLE;
    }
    if (result.ok) onOk?.();
    return result;
  };
}

/** Sizes of what the form would send; a field's own limit comes from its `data-max-length`. */
function measure(form: HTMLFormElement, data: FormData): FieldSize[] {
  const encoder = new TextEncoder();
  const limits = new Map<string, number>();
  for (const el of Array.from(form.querySelectorAll<HTMLElement>("[name][data-max-length]"))) {
    const name = el.getAttribute("name");
    const max = Number(el.dataset.maxLength);
    if (name && Number.isFinite(max)) limits.set(name, max);
  }
  return Array.from(data.entries()).map(([name, value]) =>
    typeof value === "string"
      ? { name, chars: value.trim().length, bytes: encoder.encode(value).length, maxLength: limits.get(name) }
      : { name, chars: 0, bytes: value.size },
  );
}

/**
 * A second button of the same form bound to another action (e.g. "try this draft" next to
 * "Save"): it submits the same fields, its field errors show on the same fields, and `render`
 * shows its result under the buttons.
 */
export interface SecondaryAction {
  action: Action;
  label: string;
  pendingLabel?: string;
  render?: (result: ActionResult) => ReactNode;
}

/**
 * A form bound to a server action: shows the action's message and per-field errors, keeps what
 * the user typed when the server refuses it, and optionally clears itself on success.
 */
export function ActionForm(props: {
  action: Action;
  children: ReactNode;
  submitLabel: string;
  pendingLabel?: string;
  successMessage?: string;
  /**
   * Confirmation shown at page level after success, for forms that disappear once done (Approve,
   * Sign, Acknowledge ...) or navigate away; `successMessage` is the inline one for forms that stay.
   */
  toast?: string;
  resetOnSuccess?: boolean;
  /** Navigate here after success; `{id}` is replaced by the id the action returned. */
  successHref?: string;
  confirm?: string;
  className?: string;
  variant?: "primary" | "danger" | "secondary";
  "aria-label"?: string;
  secondary?: SecondaryAction;
  /** Shown under the form after a success, with what the action returned (e.g. a secret shown once). */
  renderSuccess?: (data: unknown) => ReactNode;
}) {
  const announce = useConfirmation();
  const { resetOnSuccess, successHref, toast } = props;
  const primaryAction = useMemo(() => answering(props.action, toast ? () => announce(toast) : undefined), [props.action, toast, announce]);
  const secondaryAction = useMemo(() => answering(props.secondary?.action ?? noAction), [props.secondary?.action]);
  const [state, dispatch, pending] = useActionState<ActionResult | null, FormData>(primaryAction, null);
  const [secondaryState, dispatchSecondary, secondaryPending] = useActionState<ActionResult | null, FormData>(secondaryAction, null);
  // Which button ran last: its result is the one the fields and the message show; "local" is the
  // browser's own refusal (a field over its limit), shown without asking the server.
  const [active, setActive] = useState<"primary" | "secondary" | "local">("primary");
  const [localState, setLocalState] = useState<ActionResult | null>(null);
  const shown = active === "primary" ? state : active === "secondary" ? secondaryState : localState;
  const busy = pending || secondaryPending;
  const formRef = useRef<HTMLFormElement>(null);

  const router = useRouter();
  useEffect(() => {
    if (!state?.ok) return;
    if (resetOnSuccess) formRef.current?.reset();
    if (successHref) {
      const id = (state.data as { id?: unknown } | null)?.id;
      router.push(successHref.replace("{id}", typeof id === "number" || typeof id === "string" ? String(id) : ""));
    }
  }, [state, resetOnSuccess, successHref, router]);

  // The form is submitted by hand (preventDefault, then dispatch), never through <form action>:
  // React 19 resets a form after its action runs, which would wipe what the user typed on a refusal.
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter;
    const data = new FormData(e.currentTarget);
    const oversize = oversizeErrors(measure(e.currentTarget, data));
    if (oversize) {
      setLocalState({ ok: false, code: "INVALID", message: "Please correct the highlighted fields.", fieldErrors: oversize });
      setActive("local");
      return;
    }
    if (props.secondary && submitter?.dataset.secondary === "true") {
      setActive("secondary");
      startTransition(() => dispatchSecondary(data));
      return;
    }
    if (props.confirm && !window.confirm(props.confirm)) return;
    setActive("primary");
    startTransition(() => dispatch(data));
  }

  const color =
    props.variant === "danger"
      ? "bg-red-700 text-white hover:bg-red-800"
      : props.variant === "secondary"
        ? "border border-slate-300 bg-white hover:bg-slate-100"
        : "bg-slate-900 text-white hover:bg-slate-800";

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className={props.className ?? "space-y-3"} aria-label={props["aria-label"]}>
      <ResultContext.Provider value={shown}>{props.children}</ResultContext.Provider>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={busy} className={`rounded px-3 py-1.5 text-sm font-medium disabled:opacity-60 ${color}`}>
          {pending ? (props.pendingLabel ?? "Saving…") : props.submitLabel}
        </button>
        {props.secondary && (
          <button type="submit" data-secondary="true" disabled={busy} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60">
            {secondaryPending ? (props.secondary.pendingLabel ?? "Working…") : props.secondary.label}
          </button>
        )}
        {shown && !shown.ok && (shown.reasons?.length ?? 0) > 1 ? (
          // Several policy reasons: one per line, each readable on its own.
          <div role="alert" className="text-sm text-red-700" data-code={shown.code}>
            <ul className="list-disc pl-5">
              {shown.reasons!.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
          </div>
        ) : (
          shown &&
          !shown.ok && (
            <p role="alert" className="text-sm text-red-700" data-code={shown.code}>
              {shown.message}
            </p>
          )
        )}
        {active === "primary" && state?.ok && props.successMessage && (
          <p role="status" className="text-sm text-emerald-700">
            {props.successMessage}
          </p>
        )}
      </div>
      {active === "secondary" && secondaryState && props.secondary?.render?.(secondaryState)}
      {active === "primary" && state?.ok && props.renderSuccess?.(state.data)}
    </form>
  );
}

function useFieldErrors(name: string): string[] | undefined {
  const state = useContext(ResultContext);
  return state && !state.ok ? state.fieldErrors?.[name] : undefined;
}

const inputClass = "mt-1 w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm aria-[invalid=true]:border-red-600";

/** Labelled input / textarea / select with its field errors announced and linked. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  defaultValue?: string | number;
  hint?: string;
  multiline?: boolean;
  rows?: number;
  options?: { value: string; label: string }[];
  required?: boolean;
  autoComplete?: string;
  className?: string;
  /**
   * The server's limit in characters: checked in the browser before sending, with the server's
   * wording. Not the native maxlength, which silently cuts a paste short.
   */
  maxLength?: number;
}) {
  const errors = useFieldErrors(props.name);
  const id = `field-${props.name}-${useId().replace(/:/g, "")}`;
  const describedBy = [props.hint ? `${id}-hint` : null, errors ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name: props.name,
    defaultValue: props.defaultValue,
    required: props.required,
    "aria-invalid": errors ? true : undefined,
    "aria-describedby": describedBy,
    "data-max-length": props.maxLength,
    className: inputClass,
  };
  return (
    <div className={props.className}>
      <label htmlFor={id} className="block text-sm font-medium">
        {props.label}
      </label>
      {props.options ? (
        <select {...common}>
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : props.multiline ? (
        <textarea {...common} rows={props.rows ?? 4} className={`${inputClass} font-mono`} />
      ) : (
        <input {...common} type={props.type ?? "text"} autoComplete={props.autoComplete} />
      )}
      {props.hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </p>
      )}
      {errors && (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {errors.join(" ")}
        </p>
      )}
    </div>
  );
}

/** A group of checkboxes submitted under one name (e.g. roles). */
export function CheckboxGroup(props: { name: string; legend: string; options: { value: string; label: string }[]; checked?: readonly string[] }) {
  const errors = useFieldErrors(props.name);
  return (
    <fieldset aria-invalid={errors ? true : undefined}>
      <legend className="text-sm font-medium">{props.legend}</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
        {props.options.map((o) => (
          <label key={o.value} className="flex items-center gap-1.5 text-sm">
            <input type="checkbox" name={props.name} value={o.value} defaultChecked={props.checked?.includes(o.value)} />
            {o.label}
          </label>
        ))}
      </div>
      {errors && <p className="mt-1 text-sm text-red-700">{errors.join(" ")}</p>}
    </fieldset>
  );
}

export function Checkbox(props: { name: string; label: string; defaultChecked?: boolean }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input type="checkbox" name={props.name} defaultChecked={props.defaultChecked} />
      {props.label}
    </label>
  );
}
