/**
 * Waiting for many requests at once, over the API only (so it works against a deployment too).
 *
 * `AirlockClient.waitForStatus` reads one request every 100 ms. Ten of those side by side are a
 * hundred reads a second, each costing the airlock about as much CPU as a step of a workflow, while
 * the workflows they wait for compete for the same CPU. Here one list call per wanted status and
 * round (`?status=<status>`: the store filters, so it answers only the requests already there) reads
 * every request still awaited; its items are the same `airlockRequest` a GET answers. One request
 * left is read by id; a list that spans more than one page (a deployment's busy workspace) gives way
 * to reads by id.
 */
import { AirlockClient } from './airlockClient';

export interface Wanted {
  id: string;
  status: string;
}

/** A request as the API answers it: what `AirlockClient.waitForStatus` resolves to, as untyped as every body the client reads. */
export type RequestJson = Awaited<ReturnType<AirlockClient['waitForStatus']>>;

/** Polls until every `wanted` request has its status; resolves to the requests in the order wanted (or fails saying what each last was). */
export async function waitForStatuses(api: AirlockClient, workspaceId: string, token: string, wanted: readonly Wanted[], timeoutMs = 30_000): Promise<RequestJson[]> {
  const base = `/workspaces/${workspaceId}/requests`;
  const reached = new Map<string, RequestJson>();
  const deadline = Date.now() + timeoutMs;
  let byList = true;
  for (;;) {
    const pending = wanted.filter(({ id }) => !reached.has(id));
    if (pending.length === 0) return wanted.map(({ id }) => reached.get(id));
    if (pending.length === 1 || !byList) {
      for (const { id, status } of pending) {
        const request = (await api.call('GET', `${base}/${id}`, token)).body?.airlockRequest;
        if (request?.status === status) reached.set(id, request);
      }
    } else {
      for (const status of new Set(pending.map((item) => item.status))) {
        const listed = await api.call('GET', `${base}?status=${encodeURIComponent(status)}`, token);
        if (listed.status !== 200) throw new Error(`listing the '${status}' requests answered ${listed.status}: ${JSON.stringify(listed.body)}`);
        if (listed.body.continuationToken) byList = false;
        for (const { airlockRequest } of listed.body.airlockRequests) {
          if (pending.some((item) => item.id === airlockRequest.id && item.status === airlockRequest.status)) reached.set(airlockRequest.id, airlockRequest);
        }
      }
    }
    if (wanted.every(({ id }) => reached.has(id))) continue;
    if (Date.now() > deadline) {
      const late = await Promise.all(
        wanted.filter(({ id }) => !reached.has(id)).map(async ({ id, status }) => `${id} (wanted '${status}'): ${JSON.stringify((await api.call('GET', `${base}/${id}`, token)).body)}`),
      );
      throw new Error(`${late.length} of ${wanted.length} requests did not reach the status wanted; last seen:\n${late.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `waitForStatuses` for requests that all wait for one status. */
export function waitForAll(api: AirlockClient, workspaceId: string, token: string, ids: readonly string[], status: string, timeoutMs?: number): Promise<RequestJson[]> {
  return waitForStatuses(
    api,
    workspaceId,
    token,
    ids.map((id) => ({ id, status })),
    timeoutMs,
  );
}
