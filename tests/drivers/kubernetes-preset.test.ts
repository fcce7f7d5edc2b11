import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeployTargetPreset } from "@/components/settings/deploy-target-preset";
import { DRIVER_COMMAND_VARIABLES, unknownVariables } from "@/lib/domain/commands";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { createCommandDriver } from "@/lib/drivers/command/driver";
import { type CommandTarget, PRESETS, PRESET_NAMES, renderPreset } from "@/lib/drivers/command/presets";
import type { DriverTarget } from "@/lib/drivers/types";

/**
 * Kubernetes presets (issue 13 item 6): each preset rendered and run through the REAL command
 * driver (lib/drivers/shell.ts, /bin/sh) with recording stand-ins for `kubectl` and `helm` first
 * on PATH, the true external boundary: each appends its argv as a JSON line to a record and
 * prints canned output (what kubectl/helm print for the preset's -o jsonpath / -o yaml; the
 * jsonpath templates were checked against a real kubectl with `--local`).
 */

// As root (CI), commands run as nobody (lib/drivers/shell.ts): it must read the stand-ins and write the record.
process.env.FLIGHTDECK_COMMAND_USER = "nobody";
const dir = mkdtempSync(path.join(tmpdir(), "fd-k8s-preset-"));
chmodSync(dir, 0o777);
const record = path.join(dir, "argv.jsonl");
const canned = path.join(dir, "canned.json");
const target: DriverTarget = { serviceId: 1, serviceName: "api", environmentId: 2, environmentName: "production" };

/** Canned answers: the first entry whose argv starts with `args` answers (stdout; with a non-zero code, stderr). */
type Canned = { args: string[]; out: string; code?: number }[];
function answer(entries: Canned) {
  writeFileSync(canned, JSON.stringify(entries));
  chmodSync(canned, 0o644);
}

const STAND_IN = (tool: string) => `#!${process.execPath}
const fs = require("node:fs");
const argv = [${JSON.stringify(tool)}, ...process.argv.slice(2)];
fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify(argv) + "\\n");
let entries = [];
try { entries = JSON.parse(fs.readFileSync(${JSON.stringify(canned)}, "utf8")); } catch {}
const hit = entries.find((e) => e.args.every((a, i) => argv[i] === a));
// Like kubectl and helm: output on stdout, an error on stderr.
if (hit) (hit.code ? process.stderr : process.stdout).write(hit.out);
process.exit(hit && hit.code ? hit.code : 0);
`;

const originalPath = process.env.PATH;
beforeAll(() => {
  for (const tool of ["kubectl", "helm"]) {
    writeFileSync(path.join(dir, tool), STAND_IN(tool));
    chmodSync(path.join(dir, tool), 0o755);
  }
  process.env.PATH = `${dir}:${originalPath ?? "/usr/bin:/bin"}`;
});
afterAll(() => {
  process.env.PATH = originalPath;
});
beforeEach(() => {
  writeFileSync(record, "");
  chmodSync(record, 0o666);
  answer([]);
});

/** The argv of every stand-in call since the last look, in order. */
function calls(): string[][] {
  const lines = readFileSync(record, "utf8").split("\n").filter(Boolean);
  writeFileSync(record, "");
  return lines.map((l) => JSON.parse(l) as string[]);
}

function rendered(preset: string, params: unknown): CommandTarget {
  const r = renderPreset(preset, params);
  if (!r.ok) throw new Error(`preset ${preset} refused: ${JSON.stringify(r.fieldErrors)}`);
  return r.target;
}

const kubectlParams = { namespace: "production", mainDeployment: "app", canaryDeployment: "app-canary", container: "app", image: "registry.example.com/team/app" };
const N = ["-n", "production"];

describe("every preset renders a command deploy target the settings accept", () => {
  const params: Record<string, unknown> = {
    "kubernetes-nginx-ingress": { ...kubectlParams, canaryIngress: "app-canary" },
    "kubernetes-gateway-api": { ...kubectlParams, httpRoute: "app" },
    "helm-canary": { namespace: "recoveryos", release: "recoveryos", chart: "./helm/recoveryos" },
  };
  it.each(PRESET_NAMES)("%s", (preset) => {
    const t = rendered(preset, params[preset]);
    // Saved as is through the settings' schema; only the driver's variables are used.
    expect(deployTargetSchema.parse(t)).toMatchObject(t);
    for (const command of Object.values(t.commands)) expect(unknownVariables(command, DRIVER_COMMAND_VARIABLES)).toEqual([]);
    // Every parameter the form asks for is one the schema knows (the form sends exactly these).
    const empty = Object.fromEntries(PRESETS[preset].fields.map((f) => [f.name, ""]));
    const refused = renderPreset(preset, empty);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(Object.values(refused.fieldErrors).join(" ")).not.toMatch(/Not a parameter/);
  });
});

describe("kubernetes-nginx-ingress through the real command driver", () => {
  const t = rendered("kubernetes-nginx-ingress", { ...kubectlParams, canaryIngress: "app-canary", rolloutTimeoutSeconds: "600" });
  const driver = createCommandDriver(t);
  const annotate = (w: number) => ["kubectl", "annotate", "ingress", "app-canary", `nginx.ingress.kubernetes.io/canary-weight=${w}`, "--overwrite", ...N];

  it("deploy sets the canary deployment's image to the version and waits for its rollout", async () => {
    await driver.deploy(target, { opId: "o1", version: "1.5.0", stableVersion: "1.4.0" });
    expect(calls()).toEqual([
      ["kubectl", "set", "image", "deployment/app-canary", "app=registry.example.com/team/app:1.5.0", ...N],
      ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=600s"],
    ]);
  });

  it("setWeight 5 / 25 / 100 annotates the canary ingress", async () => {
    for (const weight of [5, 25, 100]) await driver.setWeight(target, { opId: `w${weight}`, weight });
    expect(calls()).toEqual([annotate(5), annotate(25), annotate(100)]);
  });

  it("promote sets the main deployment's image, waits for it, and takes the canary's weight to 0", async () => {
    await driver.promote(target, { opId: "p", version: "1.5.0" });
    expect(calls()).toEqual([
      ["kubectl", "set", "image", "deployment/app", "app=registry.example.com/team/app:1.5.0", ...N],
      ["kubectl", "rollout", "status", "deployment/app", ...N, "--timeout=600s"],
      annotate(0),
    ]);
  });

  const getCanaryImage = ["kubectl", "get", "deployment", "app-canary", ...N, "-o", 'jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}'];
  const canaryRuns = (version: string) => answer([{ args: getCanaryImage, out: `registry.example.com/team/app:${version}` }]);

  it("rollback takes the traffic away first, then undoes the canary deployment (previous revision, or the one given)", async () => {
    canaryRuns("1.5.0");
    await driver.rollback(target, { opId: "r", version: "1.5.0", stableVersion: "1.4.0" });
    expect(calls()).toEqual([
      annotate(0),
      getCanaryImage,
      ["kubectl", "rollout", "undo", "deployment/app-canary", ...N],
      ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=600s"],
    ]);
    const pinned = createCommandDriver(rendered("kubernetes-nginx-ingress", { ...kubectlParams, canaryIngress: "app-canary", rollbackRevision: 7 }));
    await pinned.rollback(target, { opId: "r2", version: "1.5.0", stableVersion: "1.4.0" });
    expect(calls()).toEqual([
      annotate(0),
      getCanaryImage,
      ["kubectl", "rollout", "undo", "deployment/app-canary", "--to-revision=7", ...N],
      ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=600s"],
    ]);
  });

  it("a rollback repeated after the undo (a crash, a retry) does not undo the undo", async () => {
    canaryRuns("1.4.0"); // the undo already brought the canary back to the previous version
    await driver.rollback(target, { opId: "r", version: "1.5.0", stableVersion: "1.4.0" });
    expect(calls()).toEqual([annotate(0), getCanaryImage, ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=600s"]]);
  });

  it("status reads the weight annotation and both deployments' images and ready replicas", async () => {
    answer([
      { args: ["kubectl", "get", "ingress"], out: "weight=25\n" },
      { args: ["kubectl", "get", "deployment", "app"], out: "stable-image=registry.example.com/team/app:1.4.0 ready=3/3\n" },
      { args: ["kubectl", "get", "deployment", "app-canary"], out: "canary-image=registry.example.com/team/app:1.5.0 ready=/1\n" },
    ]);
    expect(await driver.status(target)).toEqual({
      weight: 25,
      versions: [
        { version: "1.4.0", role: "stable", healthy: true, detail: "3/3 replicas ready" },
        { version: "1.5.0", role: "canary", healthy: false, detail: "no replica ready (0/1)" },
      ],
    });
    const jsonpath = (role: string) => `jsonpath=${role}-image={.spec.template.spec.containers[?(@.name=="app")].image} ready={.status.readyReplicas}/{.spec.replicas}{"\\n"}`;
    expect(calls()).toEqual([
      ["kubectl", "get", "ingress", "app-canary", ...N, "-o", 'jsonpath=weight={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}{"\\n"}'],
      ["kubectl", "get", "deployment", "app", ...N, "-o", jsonpath("stable")],
      ["kubectl", "get", "deployment", "app-canary", ...N, "-o", jsonpath("canary")],
    ]);
  });

  it("a failing kubectl fails the step with its output and runs nothing after it", async () => {
    answer([{ args: ["kubectl", "rollout", "status"], out: 'error: deployment "app-canary" exceeded its progress deadline\n', code: 1 }]);
    await expect(driver.deploy(target, { opId: "f", version: "1.5.1", stableVersion: "1.4.0" })).rejects.toThrow(/deploy command exited with 1[\s\S]*exceeded its progress deadline/);
    answer([{ args: ["kubectl", "annotate"], out: "Error from server (NotFound): ingresses.networking.k8s.io \"app-canary\" not found\n", code: 1 }]);
    await expect(driver.rollback(target, { opId: "f2", version: "1.5.1", stableVersion: "1.4.0" })).rejects.toThrow(/rollback command exited with 1[\s\S]*not found/);
    expect(calls().map((argv) => argv.slice(0, 3))).toEqual([
      ["kubectl", "set", "image"],
      ["kubectl", "rollout", "status"],
      ["kubectl", "annotate", "ingress"], // nothing after the failed annotate
    ]);
    // The canary's image cannot be read: the step fails, nothing is undone blindly.
    answer([{ args: getCanaryImage, out: "Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout\n", code: 1 }]);
    await expect(driver.rollback(target, { opId: "f3", version: "1.5.1", stableVersion: "1.4.0" })).rejects.toThrow(/rollback command exited with 1[\s\S]*Unable to connect/);
    expect(calls()).toEqual([annotate(0), getCanaryImage]);
  });

  it("a version with shell syntax reaches kubectl as one argument and runs nothing", async () => {
    const marker = path.join(dir, "injected");
    await driver.deploy(target, { opId: "i", version: `1.0;touch ${marker}`, stableVersion: null });
    expect(calls()[0]).toEqual(["kubectl", "set", "image", "deployment/app-canary", `app=registry.example.com/team/app:1.0;touch ${marker}`, ...N]);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("kubernetes-gateway-api through the real command driver", () => {
  const driver = createCommandDriver(rendered("kubernetes-gateway-api", { ...kubectlParams, httpRoute: "app-route", ruleIndex: "1", rolloutTimeoutSeconds: 300 }));
  const patch = (stable: number, canary: number) => [
    "kubectl",
    "patch",
    "httproute",
    "app-route",
    ...N,
    "--type=json",
    "-p",
    `[{"op":"add","path":"/spec/rules/1/backendRefs/0/weight","value":${stable}},{"op":"add","path":"/spec/rules/1/backendRefs/1/weight","value":${canary}}]`,
  ];

  it("deploy, setWeight 5 / 25 / 100 (main gets the rest), promote, rollback", async () => {
    await driver.deploy(target, { opId: "d", version: "2.0.0", stableVersion: "1.9.0" });
    for (const weight of [5, 25, 100]) await driver.setWeight(target, { opId: `w${weight}`, weight });
    await driver.promote(target, { opId: "p", version: "2.0.0" });
    answer([{ args: ["kubectl", "get", "deployment", "app-canary"], out: "registry.example.com/team/app:2.0.0" }]);
    await driver.rollback(target, { opId: "r", version: "2.0.0", stableVersion: "1.9.0" });
    expect(calls()).toEqual([
      ["kubectl", "set", "image", "deployment/app-canary", "app=registry.example.com/team/app:2.0.0", ...N],
      ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=300s"],
      patch(95, 5),
      patch(75, 25),
      patch(0, 100),
      ["kubectl", "set", "image", "deployment/app", "app=registry.example.com/team/app:2.0.0", ...N],
      ["kubectl", "rollout", "status", "deployment/app", ...N, "--timeout=300s"],
      patch(100, 0),
      patch(100, 0),
      ["kubectl", "get", "deployment", "app-canary", ...N, "-o", 'jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}'],
      ["kubectl", "rollout", "undo", "deployment/app-canary", ...N],
      ["kubectl", "rollout", "status", "deployment/app-canary", ...N, "--timeout=300s"],
    ]);
  });

  it("status reads the canary backend's weight from the route's rule", async () => {
    answer([
      { args: ["kubectl", "get", "httproute"], out: "weight=5\n" },
      { args: ["kubectl", "get", "deployment", "app"], out: "stable-image=registry.example.com/team/app:1.9.0 ready=2/2\n" },
      { args: ["kubectl", "get", "deployment", "app-canary"], out: "canary-image=registry.example.com/team/app:2.0.0 ready=1/1\n" },
    ]);
    const s = await driver.status(target);
    expect(s.weight).toBe(5);
    expect(s.versions.map((v) => [v.role, v.version, v.healthy])).toEqual([
      ["stable", "1.9.0", true],
      ["canary", "2.0.0", true],
    ]);
    expect(calls()[0]).toEqual(["kubectl", "get", "httproute", "app-route", ...N, "-o", 'jsonpath=weight={.spec.rules[1].backendRefs[1].weight}{"\\n"}']);
  });
});

describe("helm-canary (runbook 002) through the real command driver", () => {
  const base = { namespace: "recoveryos", release: "recoveryos", chart: "./helm/recoveryos", rolloutTimeoutSeconds: 600 };
  const driver = createCommandDriver(rendered("helm-canary", base));
  const H = ["-n", "recoveryos"];
  const WAIT = ["--wait", "--timeout", "600s"];
  const canaryWeight = (w: number) => ["helm", "upgrade", "recoveryos-canary", "./helm/recoveryos", ...H, "--reuse-values", "--set", `canary.weight=${w}`, ...WAIT];

  it("deploy installs or upgrades the canary release at weight 0; setWeight 5 / 25 / 100; promote upgrades the main release", async () => {
    await driver.deploy(target, { opId: "d", version: "v1.0.0-elite", stableVersion: "v0.9.0" });
    for (const weight of [5, 25, 100]) await driver.setWeight(target, { opId: `w${weight}`, weight });
    await driver.promote(target, { opId: "p", version: "v1.0.0-elite" });
    expect(calls()).toEqual([
      ["helm", "upgrade", "--install", "recoveryos-canary", "./helm/recoveryos", ...H, "--reuse-values", "--set", "image.tag=v1.0.0-elite", "--set", "canary.enabled=true", "--set", "canary.weight=0", ...WAIT],
      canaryWeight(5),
      canaryWeight(25),
      canaryWeight(100),
      ["helm", "upgrade", "recoveryos", "./helm/recoveryos", ...H, "--reuse-values", "--set", "image.tag=v1.0.0-elite", "--set", "canary.enabled=false", ...WAIT],
      canaryWeight(0),
    ]);
  });

  it("rollback takes the canary's weight to 0; with a revision it also rolls the main release back to it", async () => {
    await driver.rollback(target, { opId: "r", version: "v1.0.0-elite", stableVersion: "v0.9.0" });
    expect(calls()).toEqual([canaryWeight(0)]);
    const pinned = createCommandDriver(rendered("helm-canary", { ...base, rollbackRevision: "12" }));
    await pinned.rollback(target, { opId: "r2", version: "v1.0.0-elite", stableVersion: "v0.9.0" });
    expect(calls()).toEqual([canaryWeight(0), ["helm", "rollback", "recoveryos", "12", ...H, ...WAIT]]);
  });

  it("status reads canary.weight from the canary release's values and the versions from the deployments", async () => {
    answer([
      { args: ["helm", "get", "values"], out: "canary:\n  enabled: true\n  weight: 10\nimage:\n  tag: v1.0.0-elite\n" },
      { args: ["kubectl", "get", "deployment", "recoveryos"], out: "stable-image=registry.example.com/recoveryos:v0.9.0 ready=4/4\n" },
      { args: ["kubectl", "get", "deployment", "recoveryos-canary"], out: "canary-image=registry.example.com/recoveryos:v1.0.0-elite ready=1/1\n" },
    ]);
    const s = await driver.status(target);
    expect(s).toEqual({
      weight: 10,
      versions: [
        { version: "v0.9.0", role: "stable", healthy: true, detail: "4/4 replicas ready" },
        { version: "v1.0.0-elite", role: "canary", healthy: true, detail: "1/1 replicas ready" },
      ],
    });
    const jsonpath = (role: string) => `jsonpath=${role}-image={.spec.template.spec.containers[0].image} ready={.status.readyReplicas}/{.spec.replicas}{"\\n"}`;
    expect(calls()).toEqual([
      ["helm", "get", "values", "recoveryos-canary", ...H, "-o", "yaml"],
      ["kubectl", "get", "deployment", "recoveryos", ...H, "-o", jsonpath("stable")],
      ["kubectl", "get", "deployment", "recoveryos-canary", ...H, "-o", jsonpath("canary")],
    ]);
  });
});

describe("invalid parameters are refused with a message per field, nothing rendered", () => {
  it("kubectl presets: names, image, numbers, same deployment twice, unknown parameters", () => {
    const r = renderPreset("kubernetes-nginx-ingress", {
      namespace: "Prod_1",
      mainDeployment: "app",
      canaryDeployment: "app",
      container: "-app",
      image: "registry.example.com/app:1.0; rm -rf /",
      canaryIngress: "",
      rolloutTimeoutSeconds: "10m",
      rollbackRevision: "0",
      kubeconfig: "/root/.kube/config",
    });
    expect(r).toEqual({
      ok: false,
      fieldErrors: {
        namespace: "The namespace must be a Kubernetes name: lowercase letters, digits and dashes, starting and ending with a letter or digit.",
        container: "The container must be a Kubernetes name: lowercase letters, digits and dashes, starting and ending with a letter or digit.",
        image: "The image must be a registry reference without a tag, e.g. registry.example.com/team/app (the release's version is the tag).",
        canaryIngress: "Enter the canary ingress.",
        rolloutTimeoutSeconds: "The rollout timeout must be a whole number.",
        rollbackRevision: "The rollback revision must be at least 1.",
        kubeconfig: "Not a parameter of kubernetes-nginx-ingress.",
      },
    });
    expect(renderPreset("kubernetes-nginx-ingress", { ...kubectlParams, canaryDeployment: "app", canaryIngress: "c" })).toEqual({
      ok: false,
      fieldErrors: { canaryDeployment: "The canary deployment must differ from the main deployment." },
    });
    expect(renderPreset("kubernetes-gateway-api", { ...kubectlParams, httpRoute: "r", ruleIndex: 99, rolloutTimeoutSeconds: 5 })).toEqual({
      ok: false,
      fieldErrors: { ruleIndex: "The rule index must be at most 15.", rolloutTimeoutSeconds: "The rollout timeout must be at least 30." },
    });
  });

  it("helm-canary: release, chart, canary release equal to the main one", () => {
    expect(renderPreset("helm-canary", { namespace: "ns", release: "", chart: "--post-renderer=/tmp/x", canaryRelease: "Canary" })).toEqual({
      ok: false,
      fieldErrors: {
        release: "Enter the release.",
        chart: "The chart must be a path (./helm/app), a repository chart (repo/app) or an OCI reference (oci://registry/charts/app), without spaces.",
        canaryRelease: "The canary release must be a Kubernetes name: lowercase letters, digits and dashes, starting and ending with a letter or digit.",
      },
    });
    expect(renderPreset("helm-canary", { namespace: "ns", release: "app", chart: "oci://registry.example.com/charts/app", canaryRelease: "app" })).toEqual({
      ok: false,
      fieldErrors: { canaryRelease: "The canary release must differ from the main release." },
    });
  });

  it("an unknown preset", () => {
    expect(renderPreset("argo-rollouts", {})).toEqual({ ok: false, fieldErrors: { preset: "Choose a preset: kubernetes-nginx-ingress, kubernetes-gateway-api, helm-canary." } });
  });
});

describe("the settings form's preset chooser", () => {
  it("asks for the first preset's parameters, labelled, and sends none of them with the service form", () => {
    const html = renderToStaticMarkup(createElement(DeployTargetPreset));
    expect(html).toContain("Start from a preset");
    for (const p of PRESET_NAMES) expect(html).toContain(`<option value="${p}"`);
    for (const f of PRESETS["kubernetes-nginx-ingress"].fields) expect(html).toContain(`>${f.label}`);
    // Only the deploy-target field is submitted: the parameters have no name.
    expect(html).not.toMatch(/<(input|select)[^>]* name=/);
    expect(html).toContain('type="button"');
  });
});
