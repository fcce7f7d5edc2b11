import { z } from "zod";

/** Closed set of audit verbs (DESIGN rule 2). Later areas add theirs here. */
export const AUDIT_ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "auth.sign_in_throttled",
  "auth.sign_out",
  "authz.denied",
  "user.create",
  "user.disable",
  "user.enable",
  "user.password_reset",
  "role.grant",
  "role.revoke",
  "service.create",
  "service.update",
  "service.delete",
  "environment.create",
  "environment.update",
  "environment.delete",
  "audit.export",
  "system.seed",
  "rollout.start",
  "rollout.pause",
  "rollout.resume",
  "rollout.promote",
  "rollout.abort",
  "rollout.retry",
  "rollout.step_succeeded",
  "rollout.step_failed",
  "rollout.hold_elapsed",
  "rollout.succeeded",
  "rollout.rolled_back",
  "rollout.rollback_failed",
  "driver.reconcile",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
