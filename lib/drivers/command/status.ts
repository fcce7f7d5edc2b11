import type { DriverStatus, VersionStatus } from "../types";

/**
 * What the command driver reads from its `status` command's output (pure; lib/drivers/command/driver.ts):
 *
 *   weight=<0-100>                                  the canary's share (first `weight=` or `weight:` in the output)
 *   stable=<version> [ready=<ready>/<desired>]      a version by name, optionally its replicas
 *   canary=<version> [ready=<ready>/<desired>]
 *   stable-image=<image ref> [ready=...]            an image reference: its tag is the version
 *   canary-image=<image ref> [ready=...]            (registry/app:1.5.0 -> 1.5.0)
 *
 * One version per line, anywhere in the output (other lines are ignored). A line with an empty
 * version (nothing deployed there) is skipped. With `ready=`, a version is healthy while at least
 * one replica is ready (readyReplicas is absent from Kubernetes' status when 0: `ready=/3`);
 * without it, the command's word is taken. The Kubernetes presets (presets.ts) print exactly this
 * with `kubectl get ... -o jsonpath`.
 */
export function parseStatusOutput(out: string): DriverStatus {
  const weight = Number(/weight[=:]\s*(\d+)/i.exec(out)?.[1] ?? 0);
  const versions: VersionStatus[] = [];
  const line = /^[ \t]*(stable|canary)(-image)?=[ \t]*(\S*)(?:[ \t]+ready=(\d*)\/(\d*))?[ \t]*$/gm;
  for (const m of out.matchAll(line)) {
    const [, role, image, value, ready, desired] = m;
    const version = image ? imageTag(value!) : value!;
    if (!version) continue;
    if (ready === undefined) {
      versions.push({ version, role: role as VersionStatus["role"], healthy: true, detail: "reported by the status command" });
      continue;
    }
    const readyCount = Number(ready || 0);
    const replicas = desired ? `${readyCount}/${desired}` : `${readyCount}`;
    versions.push({ version, role: role as VersionStatus["role"], healthy: readyCount > 0, detail: readyCount > 0 ? `${replicas} replicas ready` : `no replica ready (${replicas})` });
  }
  return { weight, versions };
}

/** The tag (or digest) of an image reference: registry:5000/team/app:1.5.0 -> 1.5.0; none -> "". */
export function imageTag(ref: string): string {
  const at = ref.indexOf("@");
  if (at >= 0) return ref.slice(at + 1);
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : "";
}
