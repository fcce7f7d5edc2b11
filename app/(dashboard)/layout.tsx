import Link from "next/link";
import type { ReactNode } from "react";
import { ConfirmationProvider } from "@/components/ui/confirmation";
import { GateBanner } from "@/components/layout/gate-banner";
import { NavLinks } from "@/components/layout/nav-links";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/domain/permissions";
import { ROLE_LABELS } from "@/lib/domain/roles";
import { demoMode } from "@/lib/env";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  const links = [
    { href: "/", label: "Overview" },
    { href: "/releases", label: "Releases" },
    { href: "/rollouts", label: "Rollouts" },
    { href: "/flags", label: "Flags" },
    { href: "/approvals", label: "Approvals" },
    { href: "/incidents", label: "Incidents" },
    { href: "/health", label: "Health" },
    { href: "/security", label: "Security" },
    { href: "/audit", label: "Audit" },
    { href: "/insights", label: "Insights" },
    ...(can(actor.roles, "user.read") ? [{ href: "/settings", label: "Settings" }] : []),
  ];
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <span className="text-lg font-semibold tracking-tight">Flightdeck</span>
          <nav aria-label="Main" className="flex-1">
            <NavLinks links={links} />
          </nav>
          <div className="flex items-center gap-3 text-sm" data-testid="current-user">
            <div className="text-right">
              <div className="font-medium">{actor.name}</div>
              <div className="text-xs text-slate-500" aria-label="Your roles">
                {actor.roles.length ? actor.roles.map((r) => ROLE_LABELS[r]).join(", ") : "No roles"}
              </div>
            </div>
            {/* Everyone manages their own API tokens; Settings itself is for administrators. */}
            <Link href="/settings/tokens" className="rounded px-2 py-1 text-sm text-slate-700 hover:bg-slate-100">
              API tokens
            </Link>
            <SignOutButton />
          </div>
        </div>
      </header>
      <div role="region" aria-label="Status banners">
        <GateBanner />
        {demoMode() && (
          <div className="bg-amber-50 px-4 py-1 text-center text-xs text-amber-900">Demo mode: demo accounts and sample data are active.</div>
        )}
      </div>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        <ConfirmationProvider>{children}</ConfirmationProvider>
      </main>
    </div>
  );
}
