import Link from "next/link";
import { getDb } from "@/db/client";
import { loadGateBanner } from "@/lib/security-view";
import { formatTime } from "@/lib/domain/format";

const MODE_STYLE = { monitor: "bg-slate-100 text-slate-800", enforce: "bg-sky-50 text-sky-900", lockdown: "bg-red-700 text-white" } as const;

/** On every page (E1): the security gate's mode and threat level, and any freeze in effect (F1). */
export function GateBanner() {
  const { gate, freezes } = loadGateBanner(getDb());
  const threat = gate.threatLevel === "high" || gate.threatLevel === "critical";
  return (
    <>
      <div className={`px-4 py-1 text-center text-xs ${MODE_STYLE[gate.mode]}`} data-testid="gate-banner" data-mode={gate.mode} data-threat={gate.threatLevel}>
        <Link href="/security" className="underline-offset-2 hover:underline">
          Security gate: <strong>{gate.mode}</strong> · threat level <strong className={threat && gate.mode !== "lockdown" ? "text-red-700" : undefined}>{gate.threatLevel}</strong>
          {gate.mode === "lockdown" && gate.lockdownReason ? ` · ${gate.lockdownReason}` : ""}
        </Link>
      </div>
      {freezes.map((f) => (
        <div key={f.window.id} className="bg-indigo-100 px-4 py-1 text-center text-xs text-indigo-900" data-testid="freeze-banner">
          Deploy freeze in effect: {f.window.name} until {formatTime(f.end)}
        </div>
      ))}
    </>
  );
}
