import type { z } from "zod";

const count = (n: number | bigint) => (typeof n === "bigint" ? n.toString() : n.toLocaleString("en-US"));

/** The one wording of a text over its limit, on the server (zod) and in the browser (ActionForm). */
export function tooLongMessage(max: number | bigint, has?: number): string {
  return `At most ${count(max)} characters${has === undefined ? "" : ` (this has ${count(has)})`}.`;
}

/**
 * Human messages for the zod issues a schema did not word itself (a bare `.max(10_000)`): every
 * free-text field gets "At most 10,000 characters (this has 10,485,760)." instead of zod's
 * "Too big: expected string to have <=10000 characters". Installed once with z.config (lib/errors.ts);
 * a message written in the schema still wins. Returns undefined to fall back to zod's default.
 */
export function humanIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "too_big": {
      const max = issue.inclusive === false ? Number(issue.maximum) - 1 : issue.maximum;
      if (issue.origin === "string") return tooLongMessage(max, typeof issue.input === "string" ? issue.input.length : undefined);
      if (issue.origin === "array" || issue.origin === "set") return `At most ${count(max)} items.`;
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") return `At most ${count(max)}.`;
      return undefined;
    }
    case "too_small": {
      const min = issue.inclusive === false ? Number(issue.minimum) + 1 : issue.minimum;
      if (issue.origin === "string") return Number(min) <= 1 ? "This field is required." : `At least ${count(min)} characters.`;
      if (issue.origin === "array" || issue.origin === "set") return `At least ${count(min)} ${Number(min) === 1 ? "item" : "items"}.`;
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") return `At least ${count(min)}.`;
      return undefined;
    }
    case "invalid_type": {
      if (issue.input === undefined || issue.input === null || issue.input === "") return "This field is required.";
      const expected: Record<string, string> = { string: "text", number: "a number", int: "a whole number", boolean: "yes or no", array: "a list", object: "a set of fields" };
      const what = expected[issue.expected];
      return what ? `Expected ${what}.` : undefined;
    }
    case "invalid_union":
      return "This value is not in a form this field accepts.";
    default:
      return undefined;
  }
}

/**
 * Where in a nested value an error is, in words: ["steps", 1, "weight"] -> "Step 2, weight";
 * ["rules", 0, "forSeconds"] -> "Rule 1, for seconds"; ["initialPercentage"] -> "Initial percentage".
 */
export function readablePath(path: readonly PropertyKey[]): string {
  const words = (k: string) => k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
  const parts: string[] = [];
  for (const seg of path) {
    const n = typeof seg === "number" ? seg : /^\d+$/.test(String(seg)) ? Number(seg) : null;
    if (n !== null && parts.length > 0) {
      const prev = parts.pop()!;
      parts.push(`${prev.replace(/ies$/, "y").replace(/s$/, "")} ${n + 1}`);
    } else {
      parts.push(n !== null ? `item ${n + 1}` : words(String(seg)));
    }
  }
  const text = parts.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
