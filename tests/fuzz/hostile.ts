import fc from "fast-check";
import { DEFAULT_RULES, DEMO_ANALYSIS_INPUT } from "@/lib/domain/analysis/config";

/**
 * Hostile input for the fuzz test: wrong types, huge sizes, unicode (RTL overrides, NUL, emoji,
 * lone surrogates, BOM), prototype keys, path tricks, numbers at the edges, and values that look
 * right (ids that exist, enum options) so that generated input also gets past validation.
 */

export const TRICKY_STRINGS = [
  "",
  " ",
  "\n\t",
  "\u0000",
  "a\u0000b",
  "\u202Egnp.exe",
  "\u200F\u202Bمرحبا",
  "👩‍👩‍👧‍👦",
  "🚀".repeat(5),
  "\uFEFFbom",
  "\uD800",
  "\uDFFFx\uD83D",
  "e\u0301\u0301\u0301",
  "../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2f",
  "/api/../../",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "<script>alert(1)</script>",
  "'; DROP TABLE users; --",
  "\" OR 1=1 --",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "$(rm -rf /)",
  "`id`",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "0x1F",
  "9007199254740993",
  "-1",
  "0",
  "1",
  "2",
  "null",
  "undefined",
  "true",
  "on",
  "[]",
  "{}",
  "[[[[[[[[[[]]]]]]]]]]",
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"kind":"canary","steps":[{"weight":1e308,"holdSeconds":-1}]}',
  '[{"id":"../x","kind":"expand"}]',
  "2026-02-30T25:61:00Z",
  "0000-00-00",
  "9999-12-31T23:59:59.999Z",
  "http://169.254.169.254/latest/meta-data/",
  "file:///etc/passwd",
  "javascript:alert(1)",
] as const;

export const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  3,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
] as const;

/** Huge text: just over a 10,000-character limit, 64 KiB, and over Next's 1 MB body limit. */
const hugeString = fc
  .tuple(fc.constantFrom(10_001, 65_537, 1_100_000), fc.constantFrom("x", "é", "😀", "\u0000", "\u202E", " "))
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
  { weight: 1, arbitrary: hugeString },
);

export const edgeNumber: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.integer(), fc.double());

/** An object with own prototype-ish keys (JSON.parse makes `__proto__` an own key, as a request body would). */
const protoObject: fc.Arbitrary<unknown> = fc.constantFrom(
  '{"__proto__":{"isAdmin":true,"roles":["admin"]}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"__proto__":null,"toString":"x","valueOf":1}',
  '{"hasOwnProperty":"nope","__defineGetter__":1}',
).map((text) => JSON.parse(text) as unknown);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.constantFrom(new Date(Number.NaN), new Date(8.64e15), new Date(0)) },
  { weight: 1, arbitrary: protoObject },
);

/** Any value, nested up to a few levels: arrays, objects with hostile keys, Maps and Sets. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(hostileString.filter((k) => k.length < 50), tie("value"), { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 3 }).map((items) => new Set(items)) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileString, tie("value")), { maxLength: 3 }).map((entries) => new Map(entries)) },
  ),
})).value;

/** Values that look right for a field: existing ids, known names, enum options, well-formed JSON. */
export function plausibleValue(options: readonly unknown[]): fc.Arbitrary<unknown> {
  const common = [
    1,
    2,
    3,
    "1",
    "2",
    "3",
    "staging",
    "production",
    "sample-api",
    "on",
    "true",
    "false",
    "A reason that is long enough.",
    "fuzz@example.test",
    "fuzz-password-123456",
    "2026-06-10T12:00:00Z",
    "2.0.0",
    "abcdef1234",
    "fuzz-idem-0001",
    JSON.stringify({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }),
    { kind: "canary", steps: [{ weight: 50, holdSeconds: 1 }, { weight: 100, holdSeconds: 0 }] },
    "[]",
    [],
  ];
  return options.length ? fc.oneof(fc.constantFrom(...options), fc.constantFrom(...common)) : fc.constantFrom(...common);
}

/** One field's value: mostly plausible, often hostile. */
export function fieldValue(options: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 2, arbitrary: plausibleValue(options) }, { weight: 3, arbitrary: hostileValue });
}

const inAnHour = new Date(Date.now() + 3600_000).toISOString();
const inTwoHours = new Date(Date.now() + 7200_000).toISOString();

/**
 * Well-formed values by field name, so that whole inputs get past validation into the services
 * (where the deeper bugs live); unknown names fall back to the common pool.
 */
export const KNOWN_VALUES: Record<string, readonly unknown[]> = {
  version: ["2.0.0", "2.0.1", "1.0.0-rc.1"],
  commitSha: ["abcdef1234", "0123456789abcdef0123456789abcdef01234567"],
  changeLog: ["Adds retries to checkout.", "x".repeat(10_000)],
  rollbackPlan: ["Redeploy the previous version.", "y".repeat(10_000)],
  strategy: [JSON.stringify({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] }), { kind: "canary", steps: [{ weight: 50, holdSeconds: 1 }, { weight: 100, holdSeconds: 0 }] }],
  migrations: ["[]", []],
  reason: ["A reason that is long enough, INC-123."],
  comment: ["Looks good to me."],
  evidence: ["Checked the runbook, TICKET-1."],
  idempotencyKey: ["fuzz-idem-0001", "fuzz-idem-0002"],
  expectedTo: ["", "1.0.0"],
  name: ["fuzz-thing", "Fuzz window"],
  description: ["Made by the fuzz test."],
  owner: ["Fuzz team"],
  email: ["fuzz-new@example.test"],
  password: ["fuzz-password-123456"],
  url: ["http://127.0.0.1:9/health"],
  deployTarget: [JSON.stringify({ driver: "local", entry: "sample-service", routerPort: 4990, healthPath: "/health" })],
  config: ["{}", {}, JSON.stringify({ timeScale: 0.02, windowSeconds: 10 })],
  action: ["deploy.canary.start", "deploy.rollback", "deploy.promote", "load.shed"],
  environment: ["staging", "production"],
  ttlMinutes: [30, "60", 1440],
  kind: ["freeze", "maintenance"],
  recurrence: ["none", "monthly_first_tuesday"],
  startsAt: [inAnHour],
  endsAt: [inTwoHours],
  limit: [1, 5],
  backupAt: [new Date(Date.now() - 3600_000).toISOString().slice(0, 16)],
};

/** Structured values (JSON fields) whose leaves the fuzzer replaces with hostile ones. */
export const STRUCTURED: Record<string, { value: unknown; textOnly: boolean }> = {
  strategy: { value: { kind: "canary", steps: [{ weight: 10, holdSeconds: 5 }, { weight: 50, holdSeconds: 5 }, { weight: 100, holdSeconds: 0 }] }, textOnly: false },
  config: { value: { ...DEMO_ANALYSIS_INPUT, rules: DEFAULT_RULES }, textOnly: true },
  deployTarget: { value: { driver: "local", entry: "sample-service", routerPort: 4990, healthPath: "/health" }, textOnly: true },
};

const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: edgeNumber },
  { weight: 3, arbitrary: hostileString.filter((s) => s.length < 200_000) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, [], {}, [[[[]]]], { __proto__: { x: 1 } }) },
  { weight: 1, arbitrary: fc.bigInt() },
);

function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...path, k]));
  return [path];
}

function withLeaf(v: unknown, path: (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...(v as unknown[])];
    copy[head as number] = withLeaf(copy[head as number], rest, leaf);
    return copy;
  }
  const copy = { ...(v as Record<string, unknown>) };
  copy[head as string] = withLeaf(copy[head as string], rest, leaf);
  return copy;
}

/** `value` with one to three leaves hostile, as an object or as its JSON text (BigInt only in objects). */
export function mutateLeaves(value: unknown, textOnly: boolean): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.subarray(leafPaths(value), { minLength: 1, maxLength: 3 }).chain((paths) => fc.tuple(...paths.map((p) => hostileLeaf.map((leaf) => [p, leaf] as const)))), fc.boolean())
    .map(([changes, asText]) => {
      let v = value;
      for (const [p, leaf] of changes) v = withLeaf(v, p, leaf);
      return textOnly || asText ? (jsonText(v) ?? "null") : v;
    });
}

/** A well-formed value for a field: its enum options, a known value for its name, or the common pool. */
export function wellFormedValue(name: string, options: readonly unknown[], kind?: string): fc.Arbitrary<unknown> {
  const known = Object.hasOwn(KNOWN_VALUES, name) ? KNOWN_VALUES[name]! : [];
  if (Object.hasOwn(STRUCTURED, name)) {
    const { value, textOnly } = STRUCTURED[name]!;
    const whole = textOnly ? (jsonText(value) ?? "null") : value;
    return fc.oneof(fc.constant(whole), mutateLeaves(value, textOnly));
  }
  if (options.length) return fc.constantFrom(...options);
  if (known.length) return fc.constantFrom(...known);
  // Ids that exist (the seed and the fixtures make 1..3 of most things), as numbers or form text.
  if (kind === "number" || kind === "int") return fc.constantFrom(1, 2, 3, "1", "2", 15, 60);
  if (kind === "boolean") return fc.constantFrom(true, false, "on");
  if (kind === "undefined") return fc.constant(undefined);
  return plausibleValue([]);
}

/** JSON text of any generated value (BigInt as its digits), as a form field or a request body carries it. */
export function jsonText(v: unknown): string | undefined {
  return JSON.stringify(v, (_k, x: unknown): unknown => (typeof x === "bigint" ? x.toString() : x instanceof Map ? (Object.fromEntries(x) as unknown) : x instanceof Set ? [...x] : x));
}

/** FormData as a browser (or a forged request) would send it: strings, repeated keys, files with hostile names. */
export function toFormData(fields: Record<string, unknown>, fileName?: string): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const v of values) {
      if (v === undefined) continue;
      // undefined was skipped; a symbol or function never comes out of the generators.
      form.append(key, typeof v === "string" ? v : (jsonText(v) ?? "undefined"));
    }
  }
  if (fileName !== undefined) form.append("upload", new File([new Uint8Array([0, 255, 1])], fileName));
  return form;
}
