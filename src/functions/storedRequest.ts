import { AuditDraft } from '../domain/audit';
import { auditOfChange } from '../domain/auditOfChange';
import { ConflictError, NotFoundError } from '../domain/errors';
import { AirlockRequest } from '../domain/request';
import { Dependencies } from '../infra/dependencies';
import { LifecycleInput } from './lifecycleNames';

export async function readStoredRequest(deps: Dependencies, ref: LifecycleInput): Promise<AirlockRequest> {
  const request = await deps.store.get(ref.workspaceId, ref.requestId);
  if (!request) throw new NotFoundError(`Airlock request '${ref.requestId}' is not in the store`);
  return request;
}

/**
 * Read, change, write with the etag and the audit entries the change calls for, in one
 * transaction; on a lost race read again and re-decide, because the other writer may have made the
 * change pointless (e.g. the request was cancelled meanwhile). `change` returns undefined when
 * nothing needs writing.
 */
export async function updateStoredRequest(
  deps: Dependencies,
  ref: LifecycleInput,
  change: (request: AirlockRequest) => AirlockRequest | undefined,
  options: { audit?: (before: AirlockRequest, after: AirlockRequest) => AuditDraft[]; attempts?: number } = {},
): Promise<AirlockRequest> {
  const { audit = auditOfChange, attempts = 10 } = options;
  for (let attempt = 1; ; attempt++) {
    const current = await readStoredRequest(deps, ref);
    const changed = change(current);
    if (!changed) return current;
    try {
      return await deps.store.replace(changed, audit(current, changed));
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
}

/** An audit entry about something that happened to the request's data without changing the request. */
export function appendAudit(deps: Dependencies, ref: LifecycleInput, draft: AuditDraft): Promise<AirlockRequest> {
  return updateStoredRequest(deps, ref, (current) => current, { audit: () => [draft] });
}
