import path from "node:path";

/** The demo password of db/seed.ts (the e2e server always runs in demo mode). */
export const DEMO_PASSWORD = "flightdeck-demo";

/** One demo account per role of REQUIREMENTS A1, with the label the header shows. */
export const ROLE_ACCOUNTS = [
  { key: "captain", email: "captain@flightdeck.local", role: "release_captain", label: "Release captain" },
  { key: "sentinel", email: "sentinel@flightdeck.local", role: "sentinel", label: "Governance Sentinel" },
  { key: "owner", email: "owner@flightdeck.local", role: "service_owner", label: "Service owner" },
  { key: "oncall", email: "oncall@flightdeck.local", role: "oncall", label: "On-call SRE" },
  { key: "security", email: "security@flightdeck.local", role: "security", label: "Security" },
  { key: "lead", email: "lead@flightdeck.local", role: "eng_lead", label: "Engineering lead" },
  { key: "feature", email: "feature@flightdeck.local", role: "feature_owner", label: "Feature owner" },
  { key: "dev", email: "dev@flightdeck.local", role: "developer", label: "Developer" },
  { key: "viewer", email: "viewer@flightdeck.local", role: "viewer", label: "Viewer" },
  { key: "admin", email: "admin@flightdeck.local", role: "admin", label: "Administrator" },
] as const;

/** Accounts beyond one per role: a second sentinel (hotfix board) and a captain who is also a sentinel (A4). */
export const EXTRA_ACCOUNTS = [
  { key: "sentinel2", email: "sentinel2@flightdeck.local", role: "sentinel", label: "Governance Sentinel" },
  { key: "captainSentinel", email: "captain-sentinel@flightdeck.local", role: "release_captain", label: "Release captain, Governance Sentinel" },
] as const;

export const ALL_ACCOUNTS = [...ROLE_ACCOUNTS, ...EXTRA_ACCOUNTS];

export type RoleAccount = (typeof ALL_ACCOUNTS)[number];
export type AccountKey = RoleAccount["key"];

export function account(key: AccountKey): RoleAccount {
  const found = ALL_ACCOUNTS.find((a) => a.key === key);
  if (!found) throw new Error(`unknown account ${key}`);
  return found;
}

/** Saved sign-in of an account: e2e/.auth/<email local part>.json (gitignored). */
export function storageStatePath(email: string): string {
  return path.join(import.meta.dirname, "..", ".auth", `${email.split("@")[0]}.json`);
}

/** Unique per run and per call, for people and things the tests create (lowercase, slug-safe). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}
