import { describe, expect, it } from "vitest";
import { auditSentence, sentenceText } from "@/lib/domain/audit-sentence";

// Runbook 000: the audit timeline says which deploy-candidate tag a promotion from git created.
const base = { actorLabel: "worker", actorName: null, subjectType: "rollout", subjectId: "9", environment: "production" };
const rollout9 = { label: "rollout #9 (mission-control 3f2a1c0 in production)", href: "/rollouts/9" };

describe("audit sentence of a completed rollout", () => {
  it("names the deploy-candidate tag when the promotion created one", () => {
    const e = { ...base, action: "rollout.succeeded", details: { deployCandidateTag: "deploy-candidate-production-3f2a1c0", commit: "3f2a1c0".padEnd(40, "0") } };
    expect(sentenceText(auditSentence(e, rollout9))).toBe("worker completed rollout #9 (mission-control 3f2a1c0 in production): tagged deploy-candidate-production-3f2a1c0 as deploy candidate");
  });

  it("stays as it was without a tag", () => {
    expect(sentenceText(auditSentence({ ...base, action: "rollout.succeeded", details: {} }, rollout9))).toBe("worker completed rollout #9 (mission-control 3f2a1c0 in production)");
  });
});
