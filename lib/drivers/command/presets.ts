import { z } from "zod";

/**
 * Kubernetes presets for the command driver (issue 13 item 6; REQUIREMENTS H3, H7, K1): named
 * recipes that render a complete `command` deploy target from a few validated parameters, with the
 * commands of runbooks 001 (kubectl set image / rollout status / rollout undo [--to-revision]),
 * 002 (helm upgrade --set canary.weight) and 004 (rollout status --timeout), the canary weight on
 * an nginx-ingress canary Ingress or a Gateway API HTTPRoute. Pure: the settings page renders them
 * in the browser, the admin reviews or edits the commands, and saves the target as any other.
 *
 * Safety: every parameter is validated (Kubernetes DNS-1123 names, an image as a registry
 * reference, whole numbers), so only letters, digits and . - _ / : reach the rendered text, never
 * a dash at the start of an argument; the run-time values ({{version}}, {{weight}}) are shell-quoted by the
 * driver (lib/domain/commands.ts). The `status` command prints the format the driver parses
 * (lib/drivers/command/status.ts): `weight=<n>`, `stable-image=<ref> ready=<r>/<d>`,
 * `canary-image=<ref> ready=<r>/<d>`.
 */

export const PRESET_NAMES = ["kubernetes-nginx-ingress", "kubernetes-gateway-api", "helm-canary"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A rendered `command` deploy target (lib/domain/deploy-target.ts). */
export interface CommandTarget {
  driver: "command";
  commands: { deploy: string; setWeight: string; promote: string; rollback: string; status: string };
  timeoutSeconds: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY_HOST = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?";
/** An image reference without tag or digest (the tag is the release's version): registry.example.com:5000/team/app. */
const IMAGE = new RegExp(`^${REGISTRY_HOST}${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** A chart: a local path (./helm/app), a repository chart (bitnami/nginx) or an OCI reference (oci://registry/charts/app). */
const CHART = /^(?:oci:\/\/|\.{1,2}\/|\/)?[A-Za-z0-9][A-Za-z0-9._\-/:]*$/;

const label = (what: string) =>
  z
    .string({ error: `Enter the ${what}.` })
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(63, `The ${what} is at most 63 characters.`)
    .regex(DNS_LABEL, `The ${what} must be a Kubernetes name: lowercase letters, digits and dashes, starting and ending with a letter or digit.`);
const name = (what: string, max = 253) =>
  z
    .string({ error: `Enter the ${what}.` })
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(max, `The ${what} is at most ${max} characters.`)
    .regex(DNS_SUBDOMAIN, `The ${what} must be a Kubernetes name: lowercase letters, digits, dashes and dots, starting and ending with a letter or digit.`);
const image = z
  .string({ error: "Enter the image." })
  .trim()
  .min(1, "Enter the image.")
  .max(255, "The image is at most 255 characters.")
  .regex(IMAGE, "The image must be a registry reference without a tag, e.g. registry.example.com/team/app (the release's version is the tag).");
/** Fields arrive as text from the form: "" counts as not given. */
const blankUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const fromText = <T extends z.ZodType>(schema: T) => z.preprocess(blankUnset, schema);
const numberFromText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : blankUnset(v)), schema);
const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `The ${what} must be a whole number.` })
    .int(`The ${what} must be a whole number.`)
    .min(min, `The ${what} must be at least ${min}.`)
    .max(max, `The ${what} must be at most ${max}.`);
/** How long `kubectl rollout status` / `helm --wait` may take (runbook 001: 10m); 2x plus a minute is the driver's timeout per step. */
const rolloutTimeout = numberFromText(wholeNumber("rollout timeout", 30, 1500).default(600));
const rollbackRevision = numberFromText(wholeNumber("rollback revision", 1, 1_000_000).optional());

const kubectlParams = {
  namespace: label("namespace"),
  mainDeployment: name("main deployment"),
  canaryDeployment: name("canary deployment"),
  container: label("container"),
  image,
  rolloutTimeoutSeconds: rolloutTimeout,
  rollbackRevision,
};
const differentDeployments = (v: { mainDeployment: string; canaryDeployment: string }) => v.mainDeployment !== v.canaryDeployment;
const DIFFERENT = { message: "The canary deployment must differ from the main deployment.", path: ["canaryDeployment"] };

export const presetParamSchemas = {
  "kubernetes-nginx-ingress": z.object({ ...kubectlParams, canaryIngress: name("canary ingress") }).strict().refine(differentDeployments, DIFFERENT),
  "kubernetes-gateway-api": z
    .object({ ...kubectlParams, httpRoute: name("HTTPRoute"), ruleIndex: numberFromText(wholeNumber("rule index", 0, 15).default(0)) })
    .strict()
    .refine(differentDeployments, DIFFERENT),
  "helm-canary": z
    .object({
      namespace: label("namespace"),
      release: label("release").max(53, "The release is at most 53 characters."),
      canaryRelease: fromText(label("canary release").max(53, "The canary release is at most 53 characters.").optional()),
      chart: z
        .string({ error: "Enter the chart." })
        .trim()
        .min(1, "Enter the chart.")
        .max(255, "The chart is at most 255 characters.")
        .regex(CHART, "The chart must be a path (./helm/app), a repository chart (repo/app) or an OCI reference (oci://registry/charts/app), without spaces."),
      mainDeployment: fromText(name("main deployment").optional()),
      canaryDeployment: fromText(name("canary deployment").optional()),
      rolloutTimeoutSeconds: rolloutTimeout,
      rollbackRevision,
    })
    .strict()
    .transform((v) => {
      const canaryRelease = v.canaryRelease ?? `${v.release}-canary`;
      return { ...v, canaryRelease, mainDeployment: v.mainDeployment ?? v.release, canaryDeployment: v.canaryDeployment ?? canaryRelease };
    })
    .refine((v) => v.canaryRelease !== v.release, { message: "The canary release must differ from the main release.", path: ["canaryRelease"] }),
} as const;

export type PresetParams<P extends PresetName> = z.input<(typeof presetParamSchemas)[P]>;

/** One parameter as the settings page asks for it. */
export interface PresetField {
  name: string;
  label: string;
  hint?: string;
  optional?: boolean;
  placeholder?: string;
}

const KUBECTL_FIELDS: PresetField[] = [
  { name: "namespace", label: "Namespace", placeholder: "production" },
  { name: "mainDeployment", label: "Main deployment", placeholder: "app" },
  { name: "canaryDeployment", label: "Canary deployment", placeholder: "app-canary" },
  { name: "container", label: "Container", placeholder: "app" },
  { name: "image", label: "Image (without tag)", hint: "The release's version is the tag.", placeholder: "registry.example.com/app" },
];
const TIMEOUTS: PresetField[] = [
  { name: "rolloutTimeoutSeconds", label: "Rollout timeout (seconds)", optional: true, placeholder: "600" },
  { name: "rollbackRevision", label: "Rollback revision", optional: true, hint: "Empty: the previous revision." },
];

export const PRESETS: Record<PresetName, { label: string; runbook: string; fields: PresetField[] }> = {
  "kubernetes-nginx-ingress": {
    label: "Kubernetes, nginx-ingress canary (kubectl)",
    runbook: "Runbooks 001 and 004: kubectl set image, rollout status, rollout undo; the canary Ingress' canary-weight annotation.",
    fields: [...KUBECTL_FIELDS, { name: "canaryIngress", label: "Canary ingress", hint: "The Ingress with nginx.ingress.kubernetes.io/canary: \"true\".", placeholder: "app-canary" }, ...TIMEOUTS],
  },
  "kubernetes-gateway-api": {
    label: "Kubernetes, Gateway API HTTPRoute (kubectl)",
    runbook: "Runbook 001 with the weight on an HTTPRoute rule: backendRefs[0] is the main Service, backendRefs[1] the canary's.",
    fields: [
      ...KUBECTL_FIELDS,
      { name: "httpRoute", label: "HTTPRoute", placeholder: "app" },
      { name: "ruleIndex", label: "Rule index", optional: true, placeholder: "0" },
      ...TIMEOUTS,
    ],
  },
  "helm-canary": {
    label: "Helm canary release (canary.weight)",
    runbook: "Runbook 002: helm upgrade --reuse-values --set image.tag / canary.enabled / canary.weight, helm rollback.",
    fields: [
      { name: "namespace", label: "Namespace", placeholder: "production" },
      { name: "release", label: "Main release", placeholder: "app" },
      { name: "canaryRelease", label: "Canary release", optional: true, hint: "Empty: <main release>-canary." },
      { name: "chart", label: "Chart", placeholder: "./helm/app" },
      { name: "mainDeployment", label: "Main deployment (status)", optional: true, hint: "Empty: the main release's name." },
      { name: "canaryDeployment", label: "Canary deployment (status)", optional: true, hint: "Empty: the canary release's name." },
      { name: "rolloutTimeoutSeconds", label: "Wait timeout (seconds)", optional: true, placeholder: "600" },
      { name: "rollbackRevision", label: "Main release revision to roll back to", optional: true, hint: "Empty: rollback only takes the canary's traffic away." },
    ],
  },
};

/** The preset's parameters checked; field errors are keyed by parameter name, in the field's own words. */
export type PresetRender = { ok: true; target: CommandTarget } | { ok: false; fieldErrors: Record<string, string> };

const NGINX_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
const NGINX_WEIGHT_JSONPATH = "{.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}";

/** `kubectl get deployment` printing `<role>-image=<image> ready=<ready>/<desired>` (status.ts). */
function deploymentStatus(role: "stable" | "canary", deployment: string, ns: string, container: string | null): string {
  const containerPath = container ? `[?(@.name=="${container}")]` : "[0]";
  return `kubectl get deployment ${deployment} -n ${ns} -o jsonpath='${role}-image={.spec.template.spec.containers${containerPath}.image} ready={.status.readyReplicas}/{.spec.replicas}{"\\n"}'`;
}

/** Driver timeout per step: a step waits for at most two rollouts (promote: main, then the weight). */
const stepTimeout = (rollout: number) => Math.min(3600, 2 * rollout + 60);

function kubectlCommon(p: z.output<(typeof presetParamSchemas)["kubernetes-nginx-ingress"]> | z.output<(typeof presetParamSchemas)["kubernetes-gateway-api"]>) {
  const ns = p.namespace;
  const t = `--timeout=${p.rolloutTimeoutSeconds}s`;
  const setImage = (d: string) => `kubectl set image deployment/${d} ${p.container}=${p.image}:{{version}} -n ${ns}`;
  const rolloutStatus = (d: string) => `kubectl rollout status deployment/${d} -n ${ns} ${t}`;
  const undo = `kubectl rollout undo deployment/${p.canaryDeployment}${p.rollbackRevision ? ` --to-revision=${p.rollbackRevision}` : ""} -n ${ns}`;
  // Undo only while the canary still runs the version being rolled back: a rollback repeated after
  // a crash must not undo the undo (DeployDriver: every method idempotent). A failing get fails the step.
  const canaryImage = `kubectl get deployment ${p.canaryDeployment} -n ${ns} -o jsonpath='{.spec.template.spec.containers[?(@.name=="${p.container}")].image}'`;
  const guardedUndo = `current=$(${canaryImage}) && { [ "$current" != ${p.image}:{{version}} ] || ${undo}; }`;
  return {
    deploy: `${setImage(p.canaryDeployment)} && ${rolloutStatus(p.canaryDeployment)}`,
    promoteMain: `${setImage(p.mainDeployment)} && ${rolloutStatus(p.mainDeployment)}`,
    undoCanary: `${guardedUndo} && ${rolloutStatus(p.canaryDeployment)}`,
    versions: `${deploymentStatus("stable", p.mainDeployment, ns, p.container)} && ${deploymentStatus("canary", p.canaryDeployment, ns, p.container)}`,
    timeoutSeconds: stepTimeout(p.rolloutTimeoutSeconds),
  };
}

function render(preset: PresetName, params: unknown): CommandTarget | z.ZodError {
  switch (preset) {
    case "kubernetes-nginx-ingress": {
      const r = presetParamSchemas[preset].safeParse(params);
      if (!r.success) return r.error;
      const p = r.data;
      const c = kubectlCommon(p);
      const weight = (w: string) => `kubectl annotate ingress ${p.canaryIngress} ${NGINX_WEIGHT}=${w} --overwrite -n ${p.namespace}`;
      return {
        driver: "command",
        commands: {
          deploy: c.deploy,
          setWeight: weight("{{weight}}"),
          promote: `${c.promoteMain} && ${weight("0")}`,
          rollback: `${weight("0")} && ${c.undoCanary}`,
          status: `kubectl get ingress ${p.canaryIngress} -n ${p.namespace} -o jsonpath='weight=${NGINX_WEIGHT_JSONPATH}{"\\n"}' && ${c.versions}`,
        },
        timeoutSeconds: c.timeoutSeconds,
      };
    }
    case "kubernetes-gateway-api": {
      const r = presetParamSchemas[preset].safeParse(params);
      if (!r.success) return r.error;
      const p = r.data;
      const c = kubectlCommon(p);
      const ref = (i: number) => `/spec/rules/${p.ruleIndex}/backendRefs/${i}/weight`;
      // JSON patch "add" sets the weight whether or not the field is there yet; main gets 100 - weight
      // (shell arithmetic on $FLIGHTDECK_WEIGHT, a whole number the driver passes with {{weight}}).
      const patch = (stable: string, canary: string) =>
        `kubectl patch httproute ${p.httpRoute} -n ${p.namespace} --type=json -p '[{"op":"add","path":"${ref(0)}","value":${stable}},{"op":"add","path":"${ref(1)}","value":${canary}}]'`;
      return {
        driver: "command",
        commands: {
          deploy: c.deploy,
          setWeight: patch("'$((100 - FLIGHTDECK_WEIGHT))'", "'{{weight}}'"),
          promote: `${c.promoteMain} && ${patch("100", "0")}`,
          rollback: `${patch("100", "0")} && ${c.undoCanary}`,
          status: `kubectl get httproute ${p.httpRoute} -n ${p.namespace} -o jsonpath='weight={.spec.rules[${p.ruleIndex}].backendRefs[1].weight}{"\\n"}' && ${c.versions}`,
        },
        timeoutSeconds: c.timeoutSeconds,
      };
    }
    case "helm-canary": {
      const r = presetParamSchemas[preset].safeParse(params);
      if (!r.success) return r.error;
      const p = r.data;
      const wait = `--wait --timeout ${p.rolloutTimeoutSeconds}s`;
      const upgrade = (release: string, sets: string) => `helm upgrade ${release} ${p.chart} -n ${p.namespace} --reuse-values ${sets} ${wait}`;
      const canaryWeight0 = upgrade(p.canaryRelease, "--set canary.weight=0");
      return {
        driver: "command",
        commands: {
          // --install: the canary release may not exist yet (first rollout).
          deploy: `helm upgrade --install ${p.canaryRelease} ${p.chart} -n ${p.namespace} --reuse-values --set image.tag={{version}} --set canary.enabled=true --set canary.weight=0 ${wait}`,
          setWeight: upgrade(p.canaryRelease, "--set canary.weight={{weight}}"),
          promote: `${upgrade(p.release, "--set image.tag={{version}} --set canary.enabled=false")} && ${canaryWeight0}`,
          // The canary takes no traffic; the main release is rolled back only to a named revision
          // (without one, Helm would undo the last promotion, not the aborted canary).
          rollback: p.rollbackRevision ? `${canaryWeight0} && helm rollback ${p.release} ${p.rollbackRevision} -n ${p.namespace} ${wait}` : canaryWeight0,
          status: `helm get values ${p.canaryRelease} -n ${p.namespace} -o yaml && ${deploymentStatus("stable", p.mainDeployment, p.namespace, null)} && ${deploymentStatus("canary", p.canaryDeployment, p.namespace, null)}`,
        },
        timeoutSeconds: stepTimeout(p.rolloutTimeoutSeconds),
      };
    }
  }
}

/**
 * Renders `preset` with `params` (form text or values) into a command deploy target, or the field
 * errors. An unknown preset is a field error on `preset`.
 */
export function renderPreset(preset: string, params: unknown): PresetRender {
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) return { ok: false, fieldErrors: { preset: `Choose a preset: ${PRESET_NAMES.join(", ")}.` } };
  const out = render(preset as PresetName, params);
  if (!(out instanceof z.ZodError)) return { ok: true, target: out };
  const fieldErrors: Record<string, string> = {};
  for (const issue of out.issues) {
    const key = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : String(issue.path[0] ?? "preset");
    fieldErrors[key] ??= issue.code === "unrecognized_keys" ? `Not a parameter of ${preset}.` : issue.message;
  }
  return { ok: false, fieldErrors };
}
