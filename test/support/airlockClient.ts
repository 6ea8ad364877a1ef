/**
 * A black-box client of the airlock API: HTTP and SAS URLs only, so the same tests can point at a
 * deployment by giving a base URL and tokens.
 */
import { createHash } from 'node:crypto';
import { readIssuerInfo, LocalIssuer, LOCAL_CORE_AUDIENCE, localWorkspaceAudience } from '../../src/local/localIssuer';
import { CoreRole, WorkspaceRole } from '../../src/domain/roles';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export class AirlockClient {
  constructor(readonly apiUrl: string) {}

  async call<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Polls the request until its status is `status` (or fails with what it last saw). */
  async waitForStatus(workspaceId: string, requestId: string, token: string, status: string, timeoutMs = 30_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: ApiResponse | undefined;
    while (Date.now() < deadline) {
      last = await this.call('GET', `/workspaces/${workspaceId}/requests/${requestId}`, token);
      if (last.body?.airlockRequest?.status === status) return last.body.airlockRequest;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`request ${requestId} did not reach '${status}'; last seen: ${JSON.stringify(last?.body)}`);
  }

  /** A container link, once the files are where the status says (a link is refused while they are being moved). */
  async waitForLink(workspaceId: string, requestId: string, token: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: ApiResponse | undefined;
    while (Date.now() < deadline) {
      last = await this.call('GET', `/workspaces/${workspaceId}/requests/${requestId}/link`, token);
      if (last.status === 200) return last.body.containerUrl;
      if (last.status !== 400 || !/being moved/.test(last.body?.detail ?? '')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no link to request ${requestId}; last answer: ${last?.status} ${JSON.stringify(last?.body)}`);
  }
}

/** Uploads as a researcher does: a plain HTTP PUT of the bytes to the container SAS URL. */
export async function uploadToContainer(containerUrl: string, name: string, content: Buffer | string): Promise<number> {
  const [base, sas] = containerUrl.split('?');
  const response = await fetch(`${base}/${encodeURIComponent(name)}?${sas}`, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
    body: content,
  });
  return response.status;
}

export async function downloadFromContainer(containerUrl: string, name: string): Promise<{ status: number; content: Buffer }> {
  const [base, sas] = containerUrl.split('?');
  const response = await fetch(`${base}/${encodeURIComponent(name)}?${sas}`);
  return { status: response.status, content: Buffer.from(await response.arrayBuffer()) };
}

export async function listContainer(containerUrl: string): Promise<{ status: number; names: string[] }> {
  const response = await fetch(`${containerUrl}&restype=container&comp=list`);
  const xml = await response.text();
  return { status: response.status, names: [...xml.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]) };
}

export const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

async function localIssuerOf(dataDir: string): Promise<LocalIssuer> {
  const issuerUrl = await readIssuerInfo(dataDir);
  if (!issuerUrl) throw new Error(`no issuer.json in ${dataDir}`);
  return LocalIssuer.open(dataDir, issuerUrl);
}

/** Tokens from the local host's own issuer, read from its data directory. */
export async function localTokens(dataDir: string) {
  const issuer = await localIssuerOf(dataDir);
  return (workspaceId: string, user: string, ...roles: WorkspaceRole[]) =>
    issuer.mint({ audience: localWorkspaceAudience(workspaceId), subject: user, name: user, email: `${user}@example.org`, roles });
}

/** Core tokens (the TRE's own audience, where TREAdmin lives) from the local host's issuer. */
export async function localCoreToken(dataDir: string) {
  const issuer = await localIssuerOf(dataDir);
  return (user: string, ...roles: CoreRole[]) =>
    issuer.mint({ audience: LOCAL_CORE_AUDIENCE, subject: user, name: user, email: `${user}@example.org`, roles });
}
