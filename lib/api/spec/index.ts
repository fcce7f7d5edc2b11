import type { OperationSpec } from "../operation-spec";
import { DEPLOY_SAFETY_OPERATIONS } from "./deploy-safety";
import { RECORD_OPERATIONS } from "./records";
import { RELEASE_OPERATIONS } from "./releases";
import { ROLLOUT_OPERATIONS } from "./rollouts";

/**
 * Every documented REST operation (issue 11): the OpenAPI document (lib/api/openapi.ts), the
 * contract test, the authorization matrix and the "no undocumented route" check all read this list.
 */
export const OPERATIONS: readonly OperationSpec[] = [...DEPLOY_SAFETY_OPERATIONS, ...RELEASE_OPERATIONS, ...ROLLOUT_OPERATIONS, ...RECORD_OPERATIONS];
