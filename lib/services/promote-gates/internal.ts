import "server-only";

// Helpers shared by the promote gates' verbs (DESIGN section 6: verbs, helpers, read models).

/** True when the service's deploy target builds its versions from a git repository (issue 13 item 1). */
export function buildsFromGit(deployTargetJson: string): boolean {
  try {
    const t = JSON.parse(deployTargetJson) as { git?: unknown };
    return typeof t.git === "object" && t.git !== null;
  } catch {
    return false;
  }
}
