import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "@/lib/domain/audit-actions";
import { auditSentence, detailFields, hasPhrase, sentenceText } from "@/lib/domain/audit-sentence";
import { formatAgo, formatTime } from "@/lib/domain/format";

const base = { actorLabel: "captain@flightdeck.local", actorName: "Casey Captain", subjectType: "rollout", subjectId: "3", environment: "staging", details: {} };
const rollout3 = { label: "rollout #3 (sample-api 1.1.0 in staging)", href: "/rollouts/3" };

describe("the audit timeline as sentences", () => {
  it("has its own words for every audit action", () => {
    expect(AUDIT_ACTIONS.filter((a) => !hasPhrase(a))).toEqual([]);
  });

  it("names the person, links the subject and says why", () => {
    const started = auditSentence({ ...base, action: "rollout.start" }, rollout3);
    expect(sentenceText(started)).toBe("Casey Captain started rollout #3 (sample-api 1.1.0 in staging)");
    expect(started).toContainEqual({ text: rollout3.label, href: "/rollouts/3" });

    const rolledBack = auditSentence({ ...base, action: "rollout.abort", actorLabel: "analysis", actorName: null, details: { automatic: true, event: { type: "abort", reason: "canary 5xx 40% > 5% for 1 min" } } }, rollout3);
    expect(sentenceText(rolledBack)).toBe("analysis rolled back (automatically) rollout #3 (sample-api 1.1.0 in staging): canary 5xx 40% > 5% for 1 min");

    const advanced = auditSentence({ ...base, action: "release.advance", subjectType: "release", environment: "production", actorLabel: "worker", actorName: null, details: { from: "production_rollout", to: "monitoring", outcome: "succeeded" } }, { label: "release #7 (sample-api 2.0.0)", href: "/releases/7" });
    expect(sentenceText(advanced)).toBe("worker moved release #7 (sample-api 2.0.0) from production rollout to monitoring in production");

    const signIn = auditSentence({ ...base, action: "auth.sign_in", subjectType: null, subjectId: null, environment: null }, null);
    expect(sentenceText(signIn)).toBe("Casey Captain signed in");
    const blocked = auditSentence({ ...base, action: "gate.blocked", details: { reasons: ["Lockdown: only rollbacks.", "A freeze is in effect."] } }, rollout3);
    expect(sentenceText(blocked)).toBe("Casey Captain was blocked by the security gate on rollout #3 (sample-api 1.1.0 in staging): Lockdown: only rollbacks.; A freeze is in effect.");
  });

  it("shows details as labelled values, a change as before → after, the machine event left to the raw view", () => {
    expect(detailFields({ before: { rollbackPlan: "redeploy 1.0", version: "2.0.0" }, after: { rollbackPlan: "kubectl rollout undo", version: "2.0.0" }, reason: "plan was wrong" })).toEqual([
      { label: "Rollback plan", before: "redeploy 1.0", value: "kubectl rollout undo" },
      { label: "Reason", value: "plan was wrong" },
    ]);
    expect(detailFields({ event: { type: "start" }, from: "pending", to: "running", stepIndex: 0, weight: 0, version: "1.1.0", requested: ["sentinel/production", "service_owner/production"] })).toEqual([
      { label: "Change", before: "pending", value: "running" },
      { label: "Step index", value: "0" },
      { label: "Weight", value: "0" },
      { label: "Version", value: "1.1.0" },
      { label: "Requested", value: "sentinel/production, service_owner/production" },
    ]);
  });
});

describe("one time format", () => {
  it("absolute UTC and relative to now", () => {
    const t = Date.UTC(2026, 11, 2, 14, 48, 0);
    expect(formatTime(t)).toBe("2026-12-02 14:48:00Z");
    expect(formatAgo(t, t + 2_000)).toBe("just now");
    expect(formatAgo(t, t + 3 * 60_000)).toBe("3 min ago");
    expect(formatAgo(t, t + 90_000)).toBe("90 s ago");
    expect(formatAgo(t + 2 * 3_600_000 + 5 * 60_000, t)).toBe("in 2 h 5 min");
  });
});
