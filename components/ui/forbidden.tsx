export function Forbidden({ what }: { what: string }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6">
      <h1 className="text-xl font-semibold text-red-900">Forbidden</h1>
      <p className="mt-1 text-sm text-red-800">Your roles do not allow you to {what}. This attempt was recorded in the audit log.</p>
    </div>
  );
}

// What a refused page would have let the person do, by address (longest prefix first).
const WHAT_BY_PATH: [prefix: string, what: string][] = [
  ["/releases/new", "create releases"],
  ["/settings/users", "manage users"],
  ["/settings/services", "manage services"],
  ["/settings/environments", "manage environments"],
  ["/settings", "change settings"],
];

/** The phrase for the Forbidden panel of a page refused by forbidden() (app/(dashboard)/forbidden.tsx). */
export function forbiddenWhat(pathname: string): string {
  const hit = WHAT_BY_PATH.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  return hit ? hit[1] : "open this page";
}
