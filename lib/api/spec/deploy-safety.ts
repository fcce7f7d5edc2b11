import type { OperationSpec } from "../operation-spec";

/** Runbook 003's API (/api/deploy-safety/...): validations, health, probes, canary, rollback, security gate. */
export const DEPLOY_SAFETY_OPERATIONS: OperationSpec[] = [];
