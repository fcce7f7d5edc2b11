import { z } from "zod";

/** Every role of REQUIREMENTS A1. A person may hold several. */
export const ROLES = [
  "release_captain",
  "sentinel",
  "service_owner",
  "oncall",
  "security",
  "eng_lead",
  "feature_owner",
  "developer",
  "viewer",
  "admin",
] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

export const ROLE_LABELS: Record<Role, string> = {
  release_captain: "Release captain",
  sentinel: "Governance Sentinel",
  service_owner: "Service owner",
  oncall: "On-call SRE",
  security: "Security",
  eng_lead: "Engineering lead",
  feature_owner: "Feature owner",
  developer: "Developer",
  viewer: "Viewer",
  admin: "Administrator",
};

/** A person holding the role, in a sentence: "a Release captain", "an On-call SRE", "a member of Security". */
export function aRole(role: Role): string {
  if (role === "security") return "a member of Security";
  const label = ROLE_LABELS[role];
  return `${/^[AEIOU]/i.test(label) ? "an" : "a"} ${label}`;
}
