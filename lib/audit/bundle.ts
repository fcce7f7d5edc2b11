import { type Hash, type KeyObject, createHash, sign, verify } from "node:crypto";
import type Database from "better-sqlite3";
import { auditChainRowsPage, countAuditEventsUpTo } from "@/db/queries/audit";
import { type CheckpointFileReport, type TrailFinding, keyIdOf, parseCheckpoint, publicKeyFromRaw, rawPublicKey, verifyCheckpointLines } from "@/lib/domain/audit-checkpoint";
import { createTrailVerifier } from "@/lib/domain/audit-trail";
import { type TrailVerification, withFileReport } from "./verify";

/**
 * An audit bundle (REQUIREMENTS M2) that an auditor verifies offline, without the server or the
 * database: newline-delimited JSON, in this order:
 *   {"format":"flightdeck-audit-bundle/1", "exportedAt", "publicKey", "keyId", "headId", "checkpoints", "events"}
 *   {"c": "<checkpoint line, byte for byte as in the checkpoint file>"}   one per checkpoint
 *   {"e": [id, created_at, ..., prev_hash, hash]}                          one per event, id order
 *   {"sha256": "<hex over every byte above>", "sig": "<Ed25519 over 'flightdeck-audit-bundle/1 ' + sha256>"}
 * The events are the whole chain up to the newest checkpoint, so every one is covered by a signature.
 */
export const BUNDLE_FORMAT = "flightdeck-audit-bundle/1";
const PAGE = 2000;

interface BundleHeader {
  format: string;
  exportedAt: number;
  publicKey: string;
  keyId: string;
  headId: number;
  checkpoints: number;
  events: number;
}

const trailerMessage = (sha: string) => Buffer.from(`${BUNDLE_FORMAT} ${sha}`);

/** The bundle's lines, each ending in "\n"; events are read a page at a time. */
export function* auditBundleLines(sqlite: Database.Database, opts: { checkpointLines: readonly string[]; key: KeyObject; now: number }): Generator<string> {
  const last = opts.checkpointLines.length ? parseCheckpoint(opts.checkpointLines[opts.checkpointLines.length - 1]!) : null;
  const headId = last?.eventId ?? 0;
  const count = countAuditEventsUpTo(sqlite, headId);
  const sha = createHash("sha256");
  const emit = (value: unknown) => {
    const line = `${JSON.stringify(value)}\n`;
    sha.update(line);
    return line;
  };
  const header: BundleHeader = { format: BUNDLE_FORMAT, exportedAt: opts.now, publicKey: rawPublicKey(opts.key), keyId: keyIdOf(opts.key), headId, checkpoints: opts.checkpointLines.length, events: count };
  yield emit(header);
  for (const c of opts.checkpointLines) yield emit({ c });
  for (let after = 0; ; ) {
    const rows = auditChainRowsPage(sqlite, after, headId, PAGE);
    if (!rows.length) break;
    for (const e of rows) yield emit({ e });
    after = rows[rows.length - 1]![0] as number;
  }
  const digest = sha.digest("hex");
  yield `${JSON.stringify({ sha256: digest, sig: sign(null, trailerMessage(digest), opts.key).toString("base64url") })}\n`;
}

/** Splits a byte stream into lines, keeping each line's exact bytes (a changed byte anywhere must show). */
async function* rawLines(chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of chunks) {
    let buf = rest.length ? Buffer.concat([rest, Buffer.from(chunk)]) : Buffer.from(chunk);
    let nl;
    while ((nl = buf.indexOf(10)) !== -1) {
      yield buf.subarray(0, nl + 1);
      buf = buf.subarray(nl + 1);
    }
    rest = buf;
  }
  if (rest.length) yield rest;
}

/**
 * Verifies a bundle from its bytes alone: the trailer's digest and signature, the header, every
 * checkpoint's signature and links, then every event against the chain and the checkpoints.
 * `publicKey` pins the auditor's own copy of the key; otherwise the bundle's key is used and its
 * id reported, to compare with the one published out of band.
 */
export async function verifyAuditBundle(chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, opts: { publicKey?: KeyObject } = {}): Promise<TrailVerification> {
  const started = performance.now();
  const problems: TrailFinding[] = [];
  const bad = (reason: string) => problems.push({ kind: "bundle_invalid", reason });
  const sha: Hash = createHash("sha256");
  let header: BundleHeader | undefined;
  let publicKey = opts.publicKey;
  const checkpointLines: string[] = [];
  let file: CheckpointFileReport | undefined;
  let verifier: ReturnType<typeof createTrailVerifier> | undefined;
  let trailer: { sha256?: unknown; sig?: unknown } | undefined;
  let lineNo = 0;
  let events = 0;

  const startEvents = () => {
    file = verifyCheckpointLines(checkpointLines, publicKey!);
    verifier = createTrailVerifier(file.checkpoints);
  };

  for await (const raw of rawLines(chunks)) {
    lineNo++;
    if (trailer) {
      bad(`line ${lineNo}: data after the signed end of the bundle`);
      break;
    }
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      if (value === null || typeof value !== "object") throw new Error("not an object");
    } catch {
      bad(`line ${lineNo} is not valid JSON (the bundle was altered or cut short)`);
      sha.update(raw);
      continue;
    }
    if (lineNo === 1) {
      sha.update(raw);
      if (value.format !== BUNDLE_FORMAT || typeof value.publicKey !== "string") {
        bad(`not a ${BUNDLE_FORMAT} file`);
        break;
      }
      header = value as unknown as BundleHeader;
      try {
        const inBundle = publicKeyFromRaw(header.publicKey);
        if (publicKey && keyIdOf(publicKey) !== keyIdOf(inBundle)) bad(`signed by key ${keyIdOf(inBundle)}, not the expected key ${keyIdOf(publicKey)}`);
        publicKey ??= inBundle;
      } catch {
        bad("the header's public key is not an Ed25519 key");
        break;
      }
      continue;
    }
    if (typeof value.c === "string") {
      sha.update(raw);
      if (verifier) bad(`line ${lineNo}: a checkpoint after the events`);
      else checkpointLines.push(value.c);
      continue;
    }
    if (Array.isArray(value.e)) {
      sha.update(raw);
      if (!verifier) startEvents();
      verifier!.pushRow(value.e);
      events++;
      continue;
    }
    if (typeof value.sha256 === "string") {
      trailer = value;
      continue;
    }
    sha.update(raw);
    bad(`line ${lineNo} is neither a checkpoint nor an event`);
  }
  if (!header || !publicKey) {
    if (!problems.length) bad("empty file");
    return withFileReport(createTrailVerifier([]).finish(), { checkpoints: [], findings: problems, warnings: [] }, undefined, started);
  }
  if (!verifier) startEvents();
  const digest = sha.digest("hex");
  if (!trailer) bad("the signed end line is missing (the bundle was cut short)");
  else if (trailer.sha256 !== digest) bad("its content does not match the signed digest (a byte was changed, added or removed)");
  else if (typeof trailer.sig !== "string" || !verify(null, trailerMessage(digest), publicKey, Buffer.from(trailer.sig, "base64url"))) bad("the end line's signature is invalid");
  if (header.events !== events) bad(`the header announces ${header.events} events, the bundle holds ${events}`);
  const report = withFileReport(verifier!.finish(), file!, publicKey, started);
  return problems.length ? withFileReport(report, { checkpoints: [], findings: problems, warnings: [] }, publicKey, started) : report;
}
