"use client";

import { useEffect, useState } from "react";
import { formatDuration } from "@/lib/domain/format";
import { type ClockState, type IncidentFacts, slaClocks } from "@/lib/domain/incidents/rules";

const LABEL: Record<ClockState, string> = { running: "left", met: "met", met_late: "met late", breached: "BREACHED" };
const STYLE: Record<ClockState, string> = {
  running: "border-slate-300 bg-white text-slate-800",
  met: "border-emerald-300 bg-emerald-50 text-emerald-900",
  met_late: "border-amber-300 bg-amber-50 text-amber-900",
  breached: "border-red-400 bg-red-50 font-semibold text-red-800",
};

/**
 * Live SLA timers of an incident (L1): each clock counts down every second and is marked
 * breached the moment it runs out; the worker records the breach in the audit trail.
 */
export function SlaTimers({ incident, compact = false }: { incident: IncidentFacts; compact?: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <ul className={`flex flex-wrap gap-2 ${compact ? "text-xs" : "text-sm"}`} aria-label="SLA timers">
      {slaClocks(incident, now).map((c) => {
        // A breach the worker has stamped stays marked even on a page loaded before it ran out.
        const state: ClockState = c.state === "running" && (c.clock === "acknowledge" ? incident.ackBreachedAt : incident.mitigateBreachedAt) !== null ? "breached" : c.state;
        const text = state === "running" ? `${formatDuration(c.leftMs)} ${LABEL.running}` : state === "breached" ? `${LABEL.breached} ${formatDuration(-c.leftMs)} ago` : LABEL[state];
        return (
          <li key={c.clock} role="timer" aria-live="off" data-clock={c.clock} data-state={state} suppressHydrationWarning className={`rounded border px-2 py-0.5 ${STYLE[state]}`}>
            <span className="capitalize">{c.clock}</span>: {text}
          </li>
        );
      })}
    </ul>
  );
}
