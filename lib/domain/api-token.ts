import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { tokenScopeSchema } from "./token-scopes";

/**
 * API token format (GitHub's, for secret scanning): `fdk_` + 30 random base62 characters + a
 * 6-character base62 CRC32 of the random part. A scanner (or Flightdeck itself, before any
 * database lookup) rejects a typo or a foreign string from the text alone. ~178 bits of randomness.
 */
export const TOKEN_PREFIX = "fdk_";
export const TOKEN_RANDOM_LENGTH = 30;
export const TOKEN_CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH}}$`);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib) of the text's UTF-8 bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A non-negative integer in base62, left-padded with zeros to `width`. */
export function base62(n: number, width: number): string {
  let out = "";
  let v = n;
  do {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(width, "0");
}

/** The 6-character checksum of a token's random part (62^6 > 2^32: every CRC32 fits). */
export function tokenChecksum(random: string): string {
  return base62(crc32(random), TOKEN_CHECKSUM_LENGTH);
}

/** A new secret. `random` is injectable for tests; bytes >= 248 are skipped so each character is uniform. */
export function generateToken(random: (size: number) => Uint8Array = randomBytes): string {
  let body = "";
  while (body.length < TOKEN_RANDOM_LENGTH) {
    for (const b of random(TOKEN_RANDOM_LENGTH * 2)) {
      if (b < 248 && body.length < TOKEN_RANDOM_LENGTH) body += BASE62[b % 62];
    }
  }
  return `${TOKEN_PREFIX}${body}${tokenChecksum(body)}`;
}

export type TokenFormatVerdict = { ok: true } | { ok: false; reason: "malformed" | "bad_checksum" };

/** Checks a presented string without any lookup: the shape, then the checksum. */
export function checkTokenFormat(value: string): TokenFormatVerdict {
  if (!TOKEN_PATTERN.test(value)) return { ok: false, reason: "malformed" };
  const random = value.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + TOKEN_RANDOM_LENGTH);
  const checksum = value.slice(TOKEN_PREFIX.length + TOKEN_RANDOM_LENGTH);
  return checksum === tokenChecksum(random) ? { ok: true } : { ok: false, reason: "bad_checksum" };
}

/** What is stored and looked up: the sha256 of the whole secret (hex). The secret itself never is. */
export function hashToken(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** The non-secret start shown in lists ("fdk_ab12"): enough to tell tokens apart, 24 of ~178 bits. */
export function tokenDisplayPrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 4);
}

/**
 * The token in an `Authorization` header: the Bearer credential (possibly malformed, "" when
 * empty), or null when the header is absent or uses another scheme (e.g. Basic from a proxy in
 * front), in which case the session cookie decides.
 */
export function bearerCredential(header: string | null): string | null {
  if (header === null) return null;
  const m = /^\s*Bearer(?:\s+(.*))?$/i.exec(header);
  if (!m) return null;
  return (m[1] ?? "").trim();
}

export const DEFAULT_TOKEN_DAYS = 30;
export const MAX_TOKEN_DAYS = 365;
export const DAY_MS = 24 * 3600_000;
/** Active tokens one person may hold: enough for every pipeline, a stop for runaway scripts. */
export const MAX_ACTIVE_TOKENS = 50;

export type TokenStatus = "active" | "expired" | "revoked";

/** Revoked wins over expired: it is the stronger, deliberate state. */
export function tokenStatus(t: { revokedAt: number | null; expiresAt: number }, now: number): TokenStatus {
  if (t.revokedAt !== null) return "revoked";
  return now >= t.expiresAt ? "expired" : "active";
}

/** Last-used time is written at most once per this interval per token (no write per request). */
export const TOKEN_USE_WRITE_INTERVAL_MS = 60_000;

export function tokenUseIsStale(lastUsedAt: number | null, now: number): boolean {
  return lastUsedAt === null || now - lastUsedAt >= TOKEN_USE_WRITE_INTERVAL_MS;
}

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/** The create form (and the CLI). Which scopes the person may pick is checked by the service against their roles. */
export const createTokenInput = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. what will use it).").max(100, "Use at most 100 characters."),
  scopes: z
    .union([tokenScopeSchema, z.array(tokenScopeSchema).max(20)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v]))
    .refine((v) => v.length > 0, "Choose at least one scope."),
  /** Blank: any environment. */
  environment: z.preprocess(blankToUndefined, z.string().trim().max(64, "Choose an environment.").optional()).transform((v) => v || null),
  expiresInDays: z.preprocess(
    blankToUndefined,
    z.coerce
      .number("Enter a number of days.")
      .int("Use whole days.")
      .min(1, "At least 1 day.")
      .max(MAX_TOKEN_DAYS, `At most ${MAX_TOKEN_DAYS} days (one year).`)
      .default(DEFAULT_TOKEN_DAYS),
  ),
});
export type CreateTokenInput = z.output<typeof createTokenInput>;

export const revokeTokenInput = z.object({ tokenId: z.coerce.number().int().positive() });
