import { describe, expect, it } from "vitest";
import { releaseFingerprint } from "@/lib/domain/approvals/fingerprint";
import type { RunnableCommand } from "@/lib/domain/commands";
import {
  APPROVAL_MESSAGES,
  type ApprovalRecord,
  DEFAULT_APPROVAL_TTL_MS,
  REAUTH_WINDOW_MS,
  type ReleaseFacts,
  approvalExpiresAt,
  approvalStatus,
  approvalsToRequest,
  hotfixObligations,
  mayDecide,
} from "@/lib/domain/approvals/rules";
import type { Role } from "@/lib/domain/roles";

const NOW = Date.UTC(2026, 5, 10, 12);
const MIN = 60_000;
const H = 60 * MIN;

const baseRelease = {
  version: "1.4.0",
  commitSha: "abc123def456",
  changeLog: "Faster checkout",
  rollbackPlan: "Roll back to 1.3.9",
  strategy: '{"type":"canary","steps":[5,25,100]}',
  migrations: "[]",
  hotfix: false,
};
const COMMANDS: RunnableCommand[] = [
  { service: "api", step: "migration 001-add (expand)", template: "./migrate.sh {{migration}}", kind: "migration", migration: "001-add" },
  { service: "api", step: "deploy", template: "helm upgrade api --set tag={{version}}", kind: "driver" },
];
const FP = releaseFingerprint(baseRelease, COMMANDS);

describe("releaseFingerprint (D4)", () => {
  it("is a sha256 hex digest, stable for equal content", () => {
    expect(FP).toMatch(/^[0-9a-f]{64}$/);
    expect(releaseFingerprint({ ...baseRelease }, COMMANDS.map((c) => ({ ...c })))).toBe(FP);
  });
  it.each(Object.keys(baseRelease) as (keyof typeof baseRelease)[])("changing %s changes it", (key) => {
    const v = baseRelease[key];
    const changed = { ...baseRelease, [key]: typeof v === "boolean" ? !v : `${v}!` };
    expect(releaseFingerprint(changed, COMMANDS)).not.toBe(FP);
  });
  it.each(["service", "step", "template"] as const)("an admin changing a command's %s changes it (the approval is void)", (key) => {
    const changed = COMMANDS.map((c, i) => (i === 1 ? { ...c, [key]: `${c[key]}!` } : c));
    expect(releaseFingerprint(baseRelease, changed)).not.toBe(FP);
  });
  it("a command added or removed changes it", () => {
    expect(releaseFingerprint(baseRelease, COMMANDS.slice(1))).not.toBe(FP);
    expect(releaseFingerprint(baseRelease, [...COMMANDS, { service: "web", step: "deploy", template: "true", kind: "driver" }])).not.toBe(FP);
  });
  it("ignores other columns of a release row and key order", () => {
    const row = { status: "approval", updatedAt: 123, ...baseRelease };
    expect(releaseFingerprint(row, COMMANDS)).toBe(FP);
    const reordered = Object.fromEntries(Object.entries(baseRelease).reverse()) as typeof baseRelease;
    expect(releaseFingerprint(reordered, COMMANDS)).toBe(FP);
  });
});

// People: 1 creator, 2 driver, 10/11 sentinels, 20 owner, 30 sentinel+owner, 40 feature owner.
const release = (patch: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
  id: 7,
  createdBy: 1,
  drivers: [2],
  hotfix: false,
  sev1: false,
  fingerprint: FP,
  contractMigrations: 0,
  ...patch,
});
let nextId = 100;
const ap = (role: Role, approverId: number | null, patch: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  id: nextId++,
  role,
  kind: role === "feature_owner" ? "migration" : "production",
  status: approverId === null ? "pending" : "approved",
  approverId,
  fingerprint: FP,
  decidedAt: approverId === null ? null : NOW - H,
  expiresAt: NOW + 12 * H,
  ...patch,
});

describe("approvalStatus", () => {
  type Row = { name: string; release: ReleaseFacts; approvals: ApprovalRecord[]; satisfied: boolean; missing: string[]; by?: number[]; board?: boolean };
  const S = APPROVAL_MESSAGES.sentinel;
  const S2 = APPROVAL_MESSAGES.secondSentinel;
  const O = APPROVAL_MESSAGES.serviceOwner;
  const M = APPROVAL_MESSAGES.migration;
  it.each<Row>([
    { name: "nothing yet", release: release(), approvals: [], satisfied: false, missing: [S, O] },
    { name: "pending requests only", release: release(), approvals: [ap("sentinel", null), ap("service_owner", null)], satisfied: false, missing: [S, O] },
    { name: "normal: sentinel + owner", release: release(), approvals: [ap("sentinel", 10), ap("service_owner", 20)], satisfied: true, missing: [], by: [10, 20] },
    { name: "sentinel only", release: release(), approvals: [ap("sentinel", 10)], satisfied: false, missing: [O] },
    { name: "owner only", release: release(), approvals: [ap("service_owner", 20)], satisfied: false, missing: [S] },
    {
      name: "same person in both roles counts once",
      release: release(),
      approvals: [ap("sentinel", 30), ap("service_owner", 30)],
      satisfied: false,
      missing: [O],
    },
    {
      name: "dual-role person fills the slot nobody else can",
      release: release(),
      approvals: [ap("sentinel", 30), ap("service_owner", 30), ap("sentinel", 10)],
      satisfied: true,
      missing: [],
      by: [10, 30],
    },
    { name: "creator's approval never counts", release: release(), approvals: [ap("sentinel", 1), ap("service_owner", 20)], satisfied: false, missing: [S] },
    { name: "driver's approval never counts", release: release(), approvals: [ap("sentinel", 10), ap("service_owner", 2)], satisfied: false, missing: [O] },
    {
      name: "expired approval is ignored",
      release: release(),
      approvals: [ap("sentinel", 10, { expiresAt: NOW }), ap("service_owner", 20)],
      satisfied: false,
      missing: [S],
    },
    {
      name: "approval without expiry counts",
      release: release(),
      approvals: [ap("sentinel", 10, { expiresAt: null }), ap("service_owner", 20)],
      satisfied: true,
      missing: [],
    },
    {
      name: "changed fingerprint voids the approvals",
      release: release({ fingerprint: releaseFingerprint({ ...baseRelease, rollbackPlan: "none" }, COMMANDS) }),
      approvals: [ap("sentinel", 10), ap("service_owner", 20)],
      satisfied: false,
      missing: [S, O],
    },
    {
      name: "rejected and void records do not count",
      release: release(),
      approvals: [ap("sentinel", 10, { status: "rejected" }), ap("service_owner", 20, { status: "void" })],
      satisfied: false,
      missing: [S, O],
    },
    {
      name: "a smoke sign-off is not a production approval",
      release: release(),
      approvals: [ap("sentinel", 10), ap("service_owner", 20, { kind: "smoke" })],
      satisfied: false,
      missing: [O],
    },
    { name: "hotfix: nothing yet", release: release({ hotfix: true }), approvals: [], satisfied: false, missing: [S, S2], board: false },
    {
      name: "hotfix: one sentinel",
      release: release({ hotfix: true }),
      approvals: [ap("sentinel", 10, { kind: "hotfix" })],
      satisfied: false,
      missing: [S2],
      board: false,
    },
    {
      name: "hotfix: the same sentinel twice counts once",
      release: release({ hotfix: true }),
      approvals: [ap("sentinel", 10, { kind: "hotfix" }), ap("sentinel", 10, { kind: "hotfix" })],
      satisfied: false,
      missing: [S2],
      board: false,
    },
    {
      name: "hotfix: two distinct sentinels",
      release: release({ hotfix: true }),
      approvals: [ap("sentinel", 10, { kind: "hotfix" }), ap("sentinel", 11, { kind: "hotfix" })],
      satisfied: true,
      missing: [],
      by: [10, 11],
      board: true,
    },
    {
      name: "hotfix: sentinel + owner is not the board",
      release: release({ hotfix: true }),
      approvals: [ap("sentinel", 10, { kind: "hotfix" }), ap("service_owner", 20)],
      satisfied: false,
      missing: [S2],
      board: false,
    },
    {
      name: "hotfix: the creator as sentinel does not count",
      release: release({ hotfix: true }),
      approvals: [ap("sentinel", 1, { kind: "hotfix" }), ap("sentinel", 11, { kind: "hotfix" })],
      satisfied: false,
      missing: [S2],
      board: false,
    },
    {
      name: "contract migrations need the feature owner too",
      release: release({ contractMigrations: 2 }),
      approvals: [ap("sentinel", 10), ap("service_owner", 20)],
      satisfied: false,
      missing: [M],
    },
    {
      name: "contract migrations signed off",
      release: release({ contractMigrations: 2 }),
      approvals: [ap("sentinel", 10), ap("service_owner", 20), ap("feature_owner", 40)],
      satisfied: true,
      missing: [],
      by: [10, 20, 40],
    },
    {
      name: "hotfix with contract migrations and nothing approved",
      release: release({ hotfix: true, contractMigrations: 1 }),
      approvals: [],
      satisfied: false,
      missing: [S, S2, M],
    },
  ])("$name", ({ release: r, approvals, satisfied, missing, by, board }) => {
    const s = approvalStatus(r, approvals, NOW);
    expect(s.satisfied).toBe(satisfied);
    expect(s.missing).toEqual(missing);
    if (by) expect(s.approvedBy.map((a) => a.approverId).sort((a, b) => a - b)).toEqual(by);
    if (board !== undefined) expect(s.hotfixBoardApproved).toBe(board);
    // One person never fills two slots.
    expect(new Set(s.approvedBy.map((a) => a.approverId)).size).toBe(s.approvedBy.length);
  });
});

describe("mayDecide", () => {
  const sentinel = { id: 10, roles: ["sentinel"] as Role[], signedInAt: NOW - 5 * MIN };
  type Row = {
    name: string;
    actor?: typeof sentinel;
    a?: ApprovalRecord;
    release?: ReleaseFacts;
    others?: ApprovalRecord[];
    ok: boolean;
    reason?: string;
    reauth?: boolean;
    voided?: boolean;
  };
  const pendingSentinel = ap("sentinel", null, { id: 1 });
  const pendingOwner = ap("service_owner", null, { id: 2 });
  it.each<Row>([
    { name: "a sentinel decides a pending sentinel approval", ok: true },
    { name: "not holding the role", actor: { ...sentinel, roles: ["service_owner"] }, ok: false, reason: "You need the Governance Sentinel role to decide this approval." },
    { name: "a viewer", actor: { ...sentinel, roles: ["viewer"] }, ok: false, reason: APPROVAL_MESSAGES.missingRole("sentinel") },
    { name: "the creator", actor: { ...sentinel, id: 1 }, ok: false, reason: APPROVAL_MESSAGES.separationOfDuties },
    { name: "a driver", actor: { ...sentinel, id: 2 }, ok: false, reason: APPROVAL_MESSAGES.separationOfDuties },
    {
      name: "a driver of a later rollout",
      actor: { ...sentinel, id: 3 },
      release: release({ drivers: [2, 3] }),
      ok: false,
      reason: "You created or drove this release; separation of duties forbids approving it.",
    },
    { name: "already approved", a: ap("sentinel", 11, { id: 1 }), ok: false, reason: "This approval is already approved." },
    { name: "already rejected", a: ap("sentinel", 11, { id: 1, status: "rejected" }), ok: false, reason: "This approval is already rejected." },
    { name: "twice: the same person in the other role", actor: { ...sentinel, id: 30, roles: ["sentinel", "service_owner"] }, a: pendingOwner, others: [ap("sentinel", 30, { id: 3 })], ok: false, reason: APPROVAL_MESSAGES.countsOnce },
    {
      name: "twice: the same sentinel on the second hotfix request",
      a: ap("sentinel", null, { id: 1, kind: "hotfix" }),
      release: release({ hotfix: true }),
      others: [ap("sentinel", 10, { id: 3, kind: "hotfix" })],
      ok: false,
      reason: "You already approved this release; one person counts once.",
    },
    { name: "an earlier approval of a changed release does not count", others: [ap("sentinel", 10, { id: 3, fingerprint: "old" })], ok: true },
    { name: "someone else's approval does not block", others: [ap("sentinel", 11, { id: 3 })], ok: true },
    { name: "request expired", a: ap("sentinel", null, { id: 1, expiresAt: NOW - 1 }), ok: false, reason: APPROVAL_MESSAGES.expired },
    {
      name: "release changed since the request",
      release: release({ fingerprint: releaseFingerprint({ ...baseRelease, version: "1.4.1" }, COMMANDS) }),
      ok: false,
      reason: APPROVAL_MESSAGES.changed,
      voided: true,
    },
    { name: "signed in 16 minutes ago", actor: { ...sentinel, signedInAt: NOW - 16 * MIN }, ok: false, reason: "Sign in again (within the last 15 minutes) to approve.", reauth: true },
    { name: "signed in exactly 15 minutes ago", actor: { ...sentinel, signedInAt: NOW - REAUTH_WINDOW_MS }, ok: true },
    { name: "the creator with a stale sign-in gets the SoD reason, not reauth", actor: { ...sentinel, id: 1, signedInAt: NOW - H }, ok: false, reason: APPROVAL_MESSAGES.separationOfDuties },
  ])("$name", ({ actor, a, release: r, others, ok, reason, reauth, voided }) => {
    const target = a ?? pendingSentinel;
    const all = [target, ...(others ?? [])];
    const res = mayDecide(actor ?? sentinel, target, r ?? release(), all, NOW);
    expect(res.ok).toBe(ok);
    if (!res.ok) {
      expect(res.reason).toBe(reason);
      expect(res.reauth).toBe(reauth);
      expect(res.voided).toBe(voided);
    }
  });
});

describe("approvalsToRequest", () => {
  it.each<{ name: string; hotfix: boolean; contractMigrations: number; want: [Role, string][] }>([
    { name: "normal", hotfix: false, contractMigrations: 0, want: [["sentinel", "production"], ["service_owner", "production"]] },
    { name: "hotfix", hotfix: true, contractMigrations: 0, want: [["sentinel", "hotfix"], ["sentinel", "hotfix"]] },
    {
      name: "normal with contract migrations",
      hotfix: false,
      contractMigrations: 2,
      want: [["sentinel", "production"], ["service_owner", "production"], ["feature_owner", "migration"]],
    },
    { name: "hotfix with contract migrations", hotfix: true, contractMigrations: 1, want: [["sentinel", "hotfix"], ["sentinel", "hotfix"], ["feature_owner", "migration"]] },
  ])("$name", ({ hotfix, contractMigrations, want }) => {
    expect(approvalsToRequest({ hotfix, contractMigrations }).map((r) => [r.role, r.kind])).toEqual(want);
  });
});

describe("obligations and expiry", () => {
  it("hotfix postmortem is due 24 h after it reaches production, with a merge-back reminder", () => {
    const o = hotfixObligations(NOW);
    expect(o.postmortemDueAt).toBe(NOW + 24 * H);
    expect(o.mergeBackReminder).toContain("Merge the hotfix back into the main branch");
    expect(o.mergeBackReminder).toContain(new Date(NOW + 24 * H).toISOString());
  });
  it.each([
    [undefined, NOW + DEFAULT_APPROVAL_TTL_MS],
    [H, NOW + H],
  ])("approvalExpiresAt(ttl %s)", (ttl, want) => expect(approvalExpiresAt(NOW, ttl)).toBe(want));
  it("the default TTL is 24 h and reauth is 15 min", () => {
    expect(DEFAULT_APPROVAL_TTL_MS).toBe(24 * H);
    expect(REAUTH_WINDOW_MS).toBe(15 * MIN);
  });
});
