import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * Where the audit trail's trust anchors live, outside the database (M2): the Ed25519 signing key
 * (a mode-600 file beside the database, generated on first use like the session secret, or the
 * FLIGHTDECK_AUDIT_KEY environment variable) and the append-only checkpoint file.
 */
export interface TrailFiles {
  checkpoints: string;
  key: string;
  publicKey: string;
}

export function trailFilesFor(dbFile: string): TrailFiles {
  const dir = path.dirname(dbFile);
  const base = path.basename(dbFile).replace(/\.(db|sqlite3?)$/, "");
  const key = process.env.FLIGHTDECK_AUDIT_KEY_FILE ?? path.join(dir, ".audit-signing-key");
  return {
    checkpoints: process.env.FLIGHTDECK_AUDIT_CHECKPOINTS ?? path.join(dir, `${base}.audit-checkpoints.jsonl`),
    key,
    publicKey: `${key}.pub`,
  };
}

/** The key from FLIGHTDECK_AUDIT_KEY (PKCS#8 PEM, or its base64) when set. */
function keyFromEnv(): KeyObject | undefined {
  const v = process.env.FLIGHTDECK_AUDIT_KEY?.trim();
  if (!v) return undefined;
  const pem = v.startsWith("-----") ? v : Buffer.from(v, "base64").toString("utf8");
  return createPrivateKey(pem);
}

/**
 * The signing key, created on first use (only the signer calls this). `wx` makes two processes
 * racing to create it agree on one key; the public half is written beside it for auditors.
 */
export function loadOrCreateSigningKey(files: TrailFiles): KeyObject {
  const fromEnv = keyFromEnv();
  if (fromEnv) return fromEnv;
  if (!existsSync(files.key)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    try {
      writeFileSync(files.key, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const key = createPrivateKey(readFileSync(files.key, "utf8"));
  if (!existsSync(files.publicKey)) writeFileSync(files.publicKey, createPublicKey(key).export({ format: "pem", type: "spki" }), { mode: 0o644 });
  return key;
}

/** The public key for verification, without creating anything; undefined before the first checkpoint. */
export function loadPublicKey(files: TrailFiles): KeyObject | undefined {
  const fromEnv = keyFromEnv();
  if (fromEnv) return createPublicKey(fromEnv);
  if (existsSync(files.publicKey)) return createPublicKey(readFileSync(files.publicKey, "utf8"));
  if (existsSync(files.key)) return createPublicKey(createPrivateKey(readFileSync(files.key, "utf8")));
  return undefined;
}

/** The private key when this process can read it (the web tier signs export bundles with it). */
export function loadSigningKey(files: TrailFiles): KeyObject | undefined {
  const fromEnv = keyFromEnv();
  if (fromEnv) return fromEnv;
  return existsSync(files.key) ? createPrivateKey(readFileSync(files.key, "utf8")) : undefined;
}

/** Every line of the checkpoint file; a last line without its newline is kept (and then fails to parse). */
export function readCheckpointLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Appends one line and fsyncs it before returning: a signed checkpoint is on disk before it is mirrored. */
export function appendCheckpointLine(file: string, line: string): void {
  const fd = openSync(file, "a", 0o644);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The file's last line (without its newline), read backwards in chunks: signing and the append
 * path need only the newest checkpoint, not a file that grows for years. Undefined when empty.
 */
export function readLastCheckpointLine(file: string): string | undefined {
  let fd;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    let end = size;
    // A complete last line ends in "\n"; a torn one does not, and is returned as it is.
    if (end > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, end - 1);
      if (last[0] === 10) end--;
    }
    const chunks: Buffer[] = [];
    for (let pos = end; pos > 0; ) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      const nl = buf.lastIndexOf(10);
      if (nl !== -1) {
        chunks.unshift(buf.subarray(nl + 1));
        break;
      }
      chunks.unshift(buf);
    }
    const line = Buffer.concat(chunks).toString("utf8");
    return line === "" && end === 0 ? undefined : line;
  } finally {
    closeSync(fd);
  }
}
const CHUNK = 64 * 1024;

const highWaterCache = new Map<string, { size: number; mtimeMs: number; eventId: number }>();

/**
 * The newest event id a checkpoint has signed (0 without one), cached by file size and time so
 * the append path pays one stat. New events take ids above it: a deleted, already signed event's
 * id is never handed out again.
 */
export function signedHighWater(file: string): number {
  let st;
  try {
    st = statSync(file);
  } catch {
    return 0;
  }
  const cached = highWaterCache.get(file);
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.eventId;
  // Checkpoints never go back, so the last one holds the highest id.
  const m = /"eventId":(\d+)/.exec(readLastCheckpointLine(file) ?? "");
  const eventId = Math.max(cached?.eventId ?? 0, m ? Number(m[1]) : 0);
  highWaterCache.set(file, { size: st.size, mtimeMs: st.mtimeMs, eventId });
  return eventId;
}
