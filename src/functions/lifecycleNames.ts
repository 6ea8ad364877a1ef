/** Names shared by the HTTP functions, the lifecycle orchestrator and its activities (whose own names are in activities/contract.ts). */
export const LIFECYCLE_ORCHESTRATOR = 'airlockLifecycle';

/** Raised after a person's action is stored; the orchestrator then reads the stored request. */
export const REQUEST_UPDATED_EVENT = 'RequestUpdated';
/** Raised when a malware scan verdict arrives from outside (Defender via Event Grid). */
export const SCAN_RESULT_EVENT = 'ScanResult';

/** What the orchestration is started with: enough to find the request, nothing that can change. */
export interface LifecycleInput {
  requestId: string;
  workspaceId: string;
  type: 'import' | 'export';
}

export function lifecycleInputOf(request: { id: string; workspaceId: string; type: LifecycleInput['type'] }): LifecycleInput {
  return { requestId: request.id, workspaceId: request.workspaceId, type: request.type };
}
