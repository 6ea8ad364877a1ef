import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { changesBetween, CycleChanges, lastReturnedCycleBefore } from '../../domain/cycleChanges';
import { linkGrantFor } from '../../domain/permissions';
import { currentCycle } from '../../domain/review';
import { getDependencies } from '../../infra/dependencies';
import { reviewedCopyFor } from '../../infra/stageStorage';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

/**
 * What changed since the submission that was last returned for changes: files added, removed and
 * changed by SHA-256 (names and hashes from the audit log's record of that review, sizes from its
 * reviewed copy while it is kept). For those who may read the files now, as for a link or a preview.
 */
export const getRequestChanges = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const airlockRequest = await loadVisibleRequest(deps, caller, workspaceId, requestIdParam(request));
  linkGrantFor(caller, airlockRequest);
  const toCycle = currentCycle(airlockRequest);
  const after = airlockRequest.files.map(({ name, size, sha256 }) => ({ name, size, sha256 }));
  const returned = lastReturnedCycleBefore(await deps.store.listAudit(workspaceId, airlockRequest.id), toCycle);
  if (!returned) {
    const body: CycleChanges = { fromCycle: null, toCycle, files: changesBetween([], after) };
    return json(200, body);
  }
  // The copy goes when the next review ends (a missing container lists empty); the log still says what was reviewed.
  const sizes = new Map((await deps.storage.listFiles(reviewedCopyFor(airlockRequest, returned.cycle))).map((file) => [file.name, file.size]));
  const before = returned.files.map((file) => ({ ...file, size: sizes.get(file.name) }));
  const body: CycleChanges = { fromCycle: returned.cycle, toCycle, files: changesBetween(before, after) };
  return json(200, body);
});

app.http('getRequestChanges', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/changes',
  handler: getRequestChanges,
});
