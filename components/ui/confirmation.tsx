"use client";

import { type ReactNode, createContext, useCallback, useContext, useEffect, useState } from "react";

/** How long a confirmation stays on screen (it can be dismissed sooner). */
const SHOWN_MS = 10_000;

type Announce = (message: string) => void;
const ConfirmationContext = createContext<Announce>(() => undefined);

/**
 * Confirmations that outlive the form that caused them (issue 14: "confirmations after every
 * action"). Approve, Sign or Acknowledge usually disappear once done; the page-level message
 * stays, in one polite live region, so the person (and a screen reader) hears what happened.
 * Lives in the dashboard layout, which keeps its state across refreshes and navigations.
 */
export function ConfirmationProvider({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState<{ message: string; n: number } | null>(null);
  const announce = useCallback<Announce>((message) => setShown((prev) => ({ message, n: (prev?.n ?? 0) + 1 })), []);

  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(() => setShown((cur) => (cur?.n === shown.n ? null : cur)), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [shown]);

  return (
    <ConfirmationContext.Provider value={announce}>
      {children}
      <div role="status" aria-live="polite" aria-label="Confirmation" className="pointer-events-none fixed bottom-4 right-4 z-50 max-w-sm">
        {shown && (
          <div data-testid="confirmation" className="pointer-events-auto flex items-start gap-3 rounded border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-900 shadow">
            <span>{shown.message}</span>
            <button type="button" onClick={() => setShown(null)} className="ml-auto text-emerald-900 underline" aria-label="Dismiss confirmation">
              Dismiss
            </button>
          </div>
        )}
      </div>
    </ConfirmationContext.Provider>
  );
}

/** Shows a confirmation at page level; a no-op outside the dashboard (e.g. the sign-in page). */
export function useConfirmation(): Announce {
  return useContext(ConfirmationContext);
}
