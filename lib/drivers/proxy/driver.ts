import "server-only";
import type { StickySplit } from "@/lib/domain/deploy-target";
import type { DeployDriver, DriverStatus, DriverTarget, VersionStatus } from "../types";
import { type Upstream, haproxySplitter } from "./haproxy";

export interface ProxyTargetConfig {
  listenPort: number;
  /** http://host:port of the two upstream slots. */
  stable: string;
  canary: string;
  healthPath: string;
  sticky?: StickySplit;
}

const upstreamOf = (url: string, version?: string): Upstream => {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 80), ...(version ? { version } : {}) };
};
const urlOf = (u: Upstream) => `http://${u.host.includes(":") ? `[${u.host}]` : u.host}:${u.port}`;
const sameUpstream = (a: Upstream | null | undefined, b: Upstream) => !!a && a.host === b.host && a.port === b.port;

/** What a variant's health endpoint says: reachable, and the version it reports (when it reports one). */
async function health(url: string, healthPath: string): Promise<{ ok: boolean; status: number | null; version: string | null; detail: string }> {
  try {
    const res = await fetch(`${url}${healthPath}`, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    let version: string | null = null;
    try {
      const v = (JSON.parse(text) as { version?: unknown }).version;
      version = typeof v === "string" ? v : null;
    } catch {
      version = null;
    }
    return { ok: res.ok, status: res.status, version, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: null, version: null, detail: `unreachable (${err instanceof Error ? err.message : String(err)})` };
  }
}

/**
 * The `proxy` driver (issue 13 item 4, REQUIREMENTS H7): HAProxy in front of two upstream slots that
 * your own CD fills (remote hosts, PM2 on another machine, containers). Flightdeck never starts the
 * versions: deploy checks that the free slot is healthy and serves the version, then adds it as
 * the canary at 0%; setWeight moves the share at run time; promote points HAProxy's stable server
 * at the canary's slot (all traffic to the new version) and retires the canary server, so the two
 * slots alternate like blue/green; rollback sends 0% to the canary and retires it.
 */
export function createProxyDriver(config: ProxyTargetConfig, opts: { dataDir: string; dbFile: string }): DeployDriver {
  const slots = [upstreamOf(config.stable), upstreamOf(config.canary)] as const;
  const splitterOf = (t: DriverTarget) =>
    haproxySplitter({
      name: `${t.serviceName}-${t.environmentName}`.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80),
      listenPort: config.listenPort,
      dataDir: opts.dataDir,
      sticky: config.sticky,
      metrics: { dbFile: opts.dbFile, serviceId: t.serviceId, environmentId: t.environmentId },
    });

  /** Refuses a slot that is down or reports another version (the previous version keeps serving). */
  async function assertServes(slot: Upstream, version: string, role: string) {
    const h = await health(urlOf(slot), config.healthPath);
    if (!h.ok) throw new Error(`The ${role} upstream ${urlOf(slot)} is not healthy on ${config.healthPath} (${h.detail}): deploy version ${version} there first.`);
    if (h.version !== null && h.version !== version) throw new Error(`The ${role} upstream ${urlOf(slot)} serves version ${h.version}, not ${version}: deploy ${version} there first.`);
  }

  return {
    async deploy(t, op) {
      const sp = splitterOf(t);
      const s = sp.state();
      if (!s?.stable) {
        if (!op.stableVersion) {
          // Nothing routed yet: the first version is the stable one, in the stable slot.
          await assertServes(slots[0], op.version, "stable");
          await sp.ensure({ stable: { ...slots[0], version: op.version }, canary: null });
          await sp.setWeight(0);
          return;
        }
        // First contact with a running stable version: the stable slot serves it.
        await sp.ensure({ stable: { ...slots[0], version: op.stableVersion }, canary: null });
      }
      const stable = sp.state()!.stable!;
      const free = sameUpstream(stable, slots[0]) ? slots[1] : slots[0];
      const current = sp.state()!.canary;
      if (sameUpstream(current, free) && current?.version === op.version && (await sp.running())) return; // adopted: the step is repeated
      await assertServes(free, op.version, "canary");
      await sp.ensure({ stable, canary: { ...free, version: op.version } });
      await sp.setWeight(0);
    },

    async setWeight(t, op) {
      const sp = splitterOf(t);
      await sp.reconcile(); // a dead haproxy comes back with the recorded split first
      await sp.setWeight(op.weight);
    },

    async promote(t, op) {
      const sp = splitterOf(t);
      const s = sp.state();
      if (!s?.stable) throw new Error(`Nothing is routed by the proxy of ${t.serviceName} yet: deploy before promoting.`);
      if (s.stable.version === op.version && !s.canary) return; // already promoted
      const next = s.canary?.version === op.version ? s.canary : null;
      if (!next) throw new Error(`Version ${op.version} is not the proxy's canary (canary: ${s.canary?.version ?? "none"}); deploy it first.`);
      // Stable is repointed first (both servers then reach the new version), then the canary is retired.
      await sp.ensure({ stable: next, canary: null });
      await sp.setWeight(0);
    },

    async rollback(t) {
      const sp = splitterOf(t);
      const s = sp.state();
      if (!s?.stable) return;
      await sp.ensure({ stable: s.stable, canary: null });
      await sp.setWeight(0);
    },

    async status(t): Promise<DriverStatus> {
      const sp = splitterOf(t);
      const s = sp.state();
      if (!s?.stable) return { weight: 0, versions: [] };
      const up = await sp.running();
      const weight = up ? (await sp.stats()).weight : 0;
      const versions: VersionStatus[] = [];
      for (const role of ["stable", "canary"] as const) {
        const u = s[role];
        if (!u) continue;
        const h = await health(urlOf(u), config.healthPath);
        const healthy = up && h.ok;
        const detail = !up ? `HAProxy on port ${config.listenPort} is not running` : `${urlOf(u)} via HAProxy on port ${config.listenPort}: ${h.detail}`;
        versions.push({ version: u.version ?? h.version ?? "unknown", role, healthy, detail });
      }
      return { weight, versions };
    },

    reconcile(t) {
      return splitterOf(t).reconcile();
    },

    variantUrl(t, variant) {
      const u = splitterOf(t).state()?.[variant];
      return Promise.resolve(u ? urlOf(u) : null);
    },
  };
}
