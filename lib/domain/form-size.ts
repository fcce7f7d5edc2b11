import { tooLongMessage } from "./input-messages";

/**
 * Next refuses a server action body over `serverActions.bodySizeLimit` (1 MB by default) before
 * our code runs, and the browser then shows an error page and loses the form. The form measures
 * itself first (ActionForm) and keeps well under it: the largest real form (a release: two
 * 10,000-character texts, 50 migrations, a strategy) is far below 1 MB even as 4-byte UTF-8.
 */
export const ACTION_BODY_LIMIT_BYTES = 1024 * 1024;
/** Room for the multipart framing, the action id and React's encoding of the arguments. */
const FRAMING_BYTES = 64 * 1024;

export interface FieldSize {
  name: string;
  /** Characters as the server counts them (JS string length of the trimmed text). */
  chars: number;
  /** Bytes on the wire (UTF-8, or a file's size). */
  bytes: number;
  /** The field's own limit in characters, when the form declares it. */
  maxLength?: number;
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Field errors for a form too large to send, or null when it may go: every field over its own
 * limit, then (if the whole is still over the body limit) the largest remaining fields until the
 * rest fits, each told its size. Pure, so the browser guard and its tests share it.
 */
export function oversizeErrors(fields: readonly FieldSize[], bodyLimit = ACTION_BODY_LIMIT_BYTES): Record<string, string[]> | null {
  const errors: Record<string, string[]> = {};
  const flagged = new Set<string>();
  for (const f of fields) {
    if (f.maxLength !== undefined && f.chars > f.maxLength && !flagged.has(f.name)) {
      errors[f.name] = [tooLongMessage(f.maxLength, f.chars)];
      flagged.add(f.name);
    }
  }
  const budget = Math.max(0, bodyLimit - FRAMING_BYTES);
  let total = fields.reduce((n, f) => n + f.bytes + f.name.length, 0);
  for (const f of [...fields].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= budget) break;
    total -= f.bytes;
    if (flagged.has(f.name)) continue;
    errors[f.name] = [`Too large to send: ${mb(f.bytes)} (a form can send at most ${mb(bodyLimit)} in all). Shorten it.`];
    flagged.add(f.name);
  }
  return flagged.size ? errors : null;
}
