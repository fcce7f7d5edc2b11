import { type KeyObject, createPublicKey, hash, sign, verify } from "node:crypto";
import { GENESIS_HASH, canonicalJson } from "./audit-chain";

/**
 * Signed checkpoints of the audit chain (REQUIREMENTS M2), after CloudTrail's digest files and
 * Certificate Transparency's signed tree heads: each names the chain head, the previous checkpoint
 * and a short digest of every event it newly covers, signed with an Ed25519 key kept outside the
 * database. One checkpoint is one line of an append-only file.
 */
export interface CheckpointBody {
  v: 1;
  /** 1, 2, 3, ... with no gaps. */
  seq: number;
  /** The chain head covered: the newest event id and its hash. Never decreases (ids are never reused). */
  eventId: number;
  hash: string;
  /** When it was signed (ms). */
  at: number;
  /** sha256 of the previous checkpoint's line, GENESIS_HASH for the first. */
  prev: string;
  /** Id of the signing key (see keyIdOf). */
  key: string;
  /** DIGEST_CHARS hex characters of each event hash after the previous checkpoint's head, in id order. */
  digests: string;
}
export interface Checkpoint extends CheckpointBody {
  /** base64url Ed25519 signature over canonicalJson(body). */
  sig: string;
}

/**
 * 32 bits per event: enough to say where a rewrite starts (a match by chance is 1 in 4 billion),
 * while the full head hash of every checkpoint is what detects it. 8 MB per million events.
 */
export const DIGEST_CHARS = 8;

export const digestOf = (eventHash: string): string => eventHash.slice(0, DIGEST_CHARS);

/** The raw 32-byte public key, base64url: how keys travel in bundles and on screens. */
export function rawPublicKey(key: KeyObject): string {
  const jwk = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new Error("The audit signing key must be an Ed25519 key.");
  return jwk.x;
}

export function publicKeyFromRaw(raw: string): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw }, format: "jwk" });
}

/** 16 hex characters of sha256 over the raw public key: short enough to read aloud and compare. */
export function keyIdOf(key: KeyObject): string {
  return hash("sha256", Buffer.from(rawPublicKey(key), "base64url"), "hex").slice(0, 16);
}

export function signCheckpoint(body: Omit<CheckpointBody, "v" | "key">, privateKey: KeyObject): Checkpoint {
  const full: CheckpointBody = { v: 1, ...body, key: keyIdOf(privateKey) };
  const sig = sign(null, Buffer.from(canonicalJson(full)), privateKey).toString("base64url");
  return { ...full, sig };
}

/** The file line of a checkpoint: fixed key order, so a line re-serialised by anyone is the same bytes. */
export function checkpointLine(c: Checkpoint): string {
  const { v, seq, eventId, hash: h, at, prev, key, digests, sig } = c;
  return JSON.stringify({ v, seq, eventId, hash: h, at, prev, key, digests, sig });
}

export const lineHashOf = (line: string): string => hash("sha256", line, "hex");

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses one line; null when it is not a well-formed checkpoint. */
export function parseCheckpoint(line: string): Checkpoint | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (v === null || typeof v !== "object") return null;
  const c = v as Record<string, unknown>;
  const int = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  const ok =
    c.v === 1 &&
    int(c.seq) &&
    (c.seq as number) >= 1 &&
    int(c.eventId) &&
    typeof c.hash === "string" &&
    HEX64.test(c.hash) &&
    int(c.at) &&
    typeof c.prev === "string" &&
    HEX64.test(c.prev) &&
    typeof c.key === "string" &&
    typeof c.digests === "string" &&
    /^[0-9a-f]*$/.test(c.digests) &&
    c.digests.length % DIGEST_CHARS === 0 &&
    typeof c.sig === "string";
  return ok ? (c as unknown as Checkpoint) : null;
}

export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  const { sig, ...body } = c;
  try {
    return verify(null, Buffer.from(canonicalJson(body)), publicKey, Buffer.from(sig, "base64url"));
  } catch {
    return false;
  }
}

/** What the database mirrors of each checkpoint (table audit_checkpoints). */
export interface MirroredCheckpoint {
  seq: number;
  eventId: number;
  hash: string;
  lineHash: string;
}

/** What a verification found, each named so an auditor knows what happened where. */
export type TrailFinding =
  | { kind: "edited"; id: number }
  | { kind: "unlinked"; id: number }
  | { kind: "missing"; from: number; to: number; checkpoint?: number; relinked?: boolean; atEnd?: boolean }
  | { kind: "relinked"; from: number; checkpoint: number }
  | { kind: "checkpoint_invalid"; line: number; reason: string }
  | { kind: "checkpoint_unlinked"; seq: number }
  | { kind: "checkpoint_file_truncated"; from: number; to: number }
  | { kind: "checkpoint_mismatch"; seq: number }
  | { kind: "bundle_invalid"; reason: string };

export type TrailWarning =
  | { kind: "uncovered"; from: number; to: number; since: number }
  | { kind: "mirror_behind"; from: number; to: number }
  | { kind: "no_checkpoint" };

export function describeFinding(f: TrailFinding): string {
  switch (f.kind) {
    case "edited":
      return `edited event #${f.id}: its content no longer matches its hash`;
    case "unlinked":
      return `event #${f.id} does not follow event #${f.id - 1}: events reordered, inserted or the chain re-linked here`;
    case "missing": {
      const what = f.from === f.to ? `event #${f.from} missing` : `events #${f.from}..#${f.to} missing`;
      const where = f.checkpoint ? ` after checkpoint ${f.checkpoint}` : "";
      const end = f.atEnd ? " (deleted from the end of the trail or the table truncated)" : "";
      const relinked = f.relinked ? "; the chain was re-linked over the gap" : "";
      return `${what}${where}${end}${relinked}`;
    }
    case "relinked":
      return `chain re-linked from #${f.from}: the hashes differ from signed checkpoint ${f.checkpoint} (history rewritten and re-hashed)`;
    case "checkpoint_invalid":
      return `checkpoint file line ${f.line}: ${f.reason}`;
    case "checkpoint_unlinked":
      return `checkpoint ${f.seq} does not name the checkpoint before it: the checkpoint file was edited`;
    case "checkpoint_file_truncated":
      return f.from === f.to
        ? `checkpoint file truncated: checkpoint ${f.from}, recorded in the database, is missing from the file`
        : `checkpoint file truncated: checkpoints ${f.from}..${f.to}, recorded in the database, are missing from the file`;
    case "checkpoint_mismatch":
      return `checkpoint ${f.seq} in the file differs from the one recorded in the database`;
    case "bundle_invalid":
      return `bundle: ${f.reason}`;
  }
}

export function describeWarning(w: TrailWarning): string {
  switch (w.kind) {
    case "uncovered":
      return `${w.from === w.to ? `event #${w.from} is` : `events #${w.from}..#${w.to} are`} not yet covered by a signed checkpoint (oldest from ${new Date(w.since).toISOString()})`;
    case "mirror_behind":
      return `the database's copy lacks checkpoint${w.from === w.to ? ` ${w.from}` : `s ${w.from}..${w.to}`} (written to the file just before a stop; the next signing repairs it)`;
    case "no_checkpoint":
      return "no signed checkpoint yet: only the hash chain was verified";
  }
}

export interface CheckpointFileReport {
  /** Checkpoints whose signature, key and link verify, in file order. */
  checkpoints: Checkpoint[];
  findings: TrailFinding[];
  warnings: TrailWarning[];
}

/**
 * Verifies the checkpoint file's lines: each well formed, signed by the key, numbered without gaps
 * and naming the previous line; then compares with the database's mirror when one is given.
 * A checkpoint that fails is left out of the event comparison (it cannot be trusted).
 */
export function verifyCheckpointLines(lines: readonly string[], publicKey: KeyObject, mirror?: readonly MirroredCheckpoint[]): CheckpointFileReport {
  const findings: TrailFinding[] = [];
  const warnings: TrailWarning[] = [];
  const checkpoints: Checkpoint[] = [];
  const keyId = keyIdOf(publicKey);
  const lineHashes = new Map<number, string>();
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let lastEventId = 0;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const c = parseCheckpoint(line);
    const isLast = i === lines.length - 1;
    if (!c) {
      findings.push({ kind: "checkpoint_invalid", line: lineNo, reason: isLast ? "not a complete checkpoint (the file was cut short or corrupted)" : "not a checkpoint (corrupted)" });
      return;
    }
    if (c.key !== keyId) {
      findings.push({ kind: "checkpoint_invalid", line: lineNo, reason: `checkpoint ${c.seq} is signed by another key (${c.key}, expected ${keyId})` });
      return;
    }
    if (!checkpointSignatureValid(c, publicKey)) {
      findings.push({ kind: "checkpoint_invalid", line: lineNo, reason: `checkpoint ${c.seq} has an invalid signature (edited after signing)` });
      return;
    }
    if (c.seq !== expectedSeq || c.prev !== prevHash) {
      if (c.seq > expectedSeq && expectedSeq === 1) findings.push({ kind: "checkpoint_file_truncated", from: 1, to: c.seq - 1 });
      else findings.push({ kind: "checkpoint_unlinked", seq: c.seq });
    }
    const start = c.eventId - c.digests.length / DIGEST_CHARS;
    const continues = start >= 0 && c.eventId >= lastEventId;
    if (!continues) findings.push({ kind: "checkpoint_invalid", line: lineNo, reason: `checkpoint ${c.seq} goes back before event #${lastEventId}` });
    prevHash = lineHashOf(line);
    expectedSeq = c.seq + 1;
    lineHashes.set(c.seq, prevHash);
    if (!continues) return;
    lastEventId = c.eventId;
    checkpoints.push(c);
  });
  if (mirror) {
    const lastInFile = expectedSeq - 1;
    const ahead = mirror.filter((m) => m.seq > lastInFile);
    if (ahead.length) findings.push({ kind: "checkpoint_file_truncated", from: lastInFile + 1, to: Math.max(...ahead.map((m) => m.seq)) });
    for (const m of mirror) {
      const h = lineHashes.get(m.seq);
      if (h !== undefined && h !== m.lineHash) findings.push({ kind: "checkpoint_mismatch", seq: m.seq });
    }
    const mirrored = new Set(mirror.map((m) => m.seq));
    const lacking = checkpoints.filter((c) => !mirrored.has(c.seq)).map((c) => c.seq);
    if (lacking.length) warnings.push({ kind: "mirror_behind", from: Math.min(...lacking), to: Math.max(...lacking) });
  }
  if (!checkpoints.length && !findings.length) warnings.push({ kind: "no_checkpoint" });
  return { checkpoints, findings, warnings };
}
