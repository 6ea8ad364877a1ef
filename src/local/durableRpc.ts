/**
 * The part of the Durable Functions extension's HTTP API that durable-functions' DurableClient
 * calls when its binding data carries `rpcBaseUrl` (see DurableClient.js in 3.5.0): start, raise
 * event, status, terminate. Status codes follow the extension, because the client branches on them:
 * startNew accepts only ≤ 202 and reports anything else as "unexpected status code: <n>. Details:
 * <body>"; raiseEvent and terminate treat 410 (instance not running) as success and 404 as an error.
 */
import { DurableBackendError, LocalDurableBackend } from './durableBackend';
import type { OrchestrationStatus } from './durableInstance';

export const DURABLE_RPC_BASE_PATH = '/runtime/webhooks/durabletask/';

export interface RpcResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `pathAndQuery` is what follows DURABLE_RPC_BASE_PATH, e.g. `instances/abc/terminate?reason=x`. */
export async function handleDurableRpc(durable: LocalDurableBackend, method: string, pathAndQuery: string, body: Buffer): Promise<RpcResponse> {
  const url = new URL(pathAndQuery, 'http://durable-rpc.local/');
  try {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [collection, id, action, argument] = segments;
    if (collection === 'orchestrators' && id && segments.length <= 3) {
      if (method !== 'POST') return methodNotAllowed('POST');
      const instanceId = await durable.startNew(id, { instanceId: action, input: parseJsonBody(body) });
      return { status: 202, body: { id: instanceId } };
    }
    if (collection === 'instances' && segments.length === 1) {
      if (method !== 'GET') return methodNotAllowed('GET');
      return { status: 200, body: durable.listInstances() };
    }
    if (collection === 'instances' && id && segments.length === 2) {
      if (method !== 'GET') return methodNotAllowed('GET');
      const status = durable.getStatus(id);
      if (!status) return notFound(id);
      const withHistory = url.searchParams.get('showHistory') === 'true' ? { ...status, history: durable.getHistory(id) } : status;
      return { status: statusCodeOf(status), body: withHistory };
    }
    if (collection === 'instances' && id && action === 'raiseEvent' && argument && segments.length === 4) {
      if (method !== 'POST') return methodNotAllowed('POST');
      const delivered = await durable.raiseEvent(id, argument, parseJsonBody(body));
      return delivered ? { status: 202 } : notRunning(id);
    }
    if (collection === 'instances' && id && action === 'terminate' && segments.length === 3) {
      if (method !== 'POST') return methodNotAllowed('POST');
      const terminated = await durable.terminate(id, url.searchParams.get('reason') ?? '');
      return terminated ? { status: 202 } : notRunning(id);
    }
    return { status: 404, body: { detail: `no durable RPC route for ${method} ${url.pathname}` } };
  } catch (error) {
    if (error instanceof DurableBackendError) return { status: error.status, body: { message: error.message } };
    if (error instanceof InvalidJsonBody || error instanceof URIError) return { status: 400, body: { message: error.message } };
    throw error;
  }
}

/** The extension answers 202 (with a Location to poll) while an instance runs, 200 once it ended. */
function statusCodeOf(status: OrchestrationStatus): number {
  return status.runtimeStatus === 'Pending' || status.runtimeStatus === 'Running' ? 202 : 200;
}

class InvalidJsonBody extends Error {}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new InvalidJsonBody('The request body is not valid JSON.');
  }
}

function notFound(instanceId: string): RpcResponse {
  return { status: 404, body: { message: `No instance with ID '${instanceId}' found.` } };
}

function notRunning(instanceId: string): RpcResponse {
  return { status: 410, body: { message: `The instance '${instanceId}' is not running.` } };
}

function methodNotAllowed(allowed: string): RpcResponse {
  return { status: 405, headers: { allow: allowed }, body: { detail: `method not allowed; use ${allowed}` } };
}
