import { ApiError, createApiClient } from '../../console/src/api/apiCalls';

interface Call {
  url: string;
  method: string;
  authorization: string | null;
  contentType: string | null;
  body?: string;
}

function fakeFetch(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const call = { url: String(input), method: init?.method ?? 'GET', authorization: headers.get('Authorization'), contentType: headers.get('Content-Type'), body: init?.body as string | undefined };
    calls.push(call);
    return answer(call);
  };
  return { calls, impl: impl as typeof fetch };
}

const tokens = async (workspaceId?: string) => (workspaceId ? `ws-token-${workspaceId}` : 'core-token');

describe("the console's API client", () => {
  it("sends the core token without a workspace, and that workspace's token with one", async () => {
    const { calls, impl } = fakeFetch(() => Response.json({ ok: true }));
    const api = createApiClient(tokens, impl);
    await api.json('/api/workspaces');
    await api.json('/api/workspaces/demo/requests', { workspaceId: 'demo' });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer core-token', 'Bearer ws-token-demo']);
  });

  it('sends a JSON body and reads the JSON answer', async () => {
    const { calls, impl } = fakeFetch(() => Response.json({ airlockRequest: { id: 'r1' } }, { status: 201 }));
    const api = createApiClient(tokens, impl);
    const answer = await api.json<{ airlockRequest: { id: string } }>('/api/workspaces/demo/requests', { method: 'POST', workspaceId: 'demo', body: { type: 'import', title: 'T' } });
    expect(answer.airlockRequest.id).toBe('r1');
    expect(calls[0]).toMatchObject({ method: 'POST', contentType: 'application/json', body: '{"type":"import","title":"T"}' });
  });

  it("throws ApiError with the status and the answer's detail on a refusal", async () => {
    const { impl } = fakeFetch(() => Response.json({ detail: 'You cannot review your own request' }, { status: 403 }));
    const api = createApiClient(tokens, impl);
    const failure = await api.json('/api/workspaces/demo/requests/r1/review', { method: 'POST', workspaceId: 'demo', body: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 403, detail: 'You cannot review your own request', message: 'You cannot review your own request' });
  });

  it('uses the body text as the detail when the error is not JSON', async () => {
    const { impl } = fakeFetch(() => new Response('Bad gateway', { status: 502 }));
    const failure = await createApiClient(tokens, impl).json('/api/health').catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, detail: 'Bad gateway' });
  });

  it('answers undefined for an empty body and hands back bytes for blob()', async () => {
    const { impl } = fakeFetch((call) => (call.url.includes('raw') ? new Response(new Uint8Array([1, 2, 3])) : new Response(null, { status: 204 })));
    const api = createApiClient(tokens, impl);
    expect(await api.json('/api/x', { method: 'DELETE' })).toBeUndefined();
    const blob = await api.blob('/api/workspaces/demo/requests/r1/preview?file=a.png&view=raw', { workspaceId: 'demo' });
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('refuses a path outside the API', async () => {
    const { calls, impl } = fakeFetch(() => Response.json({}));
    await expect(createApiClient(tokens, impl).json('https://elsewhere.example/api/x')).rejects.toThrow(/start with \/api\//);
    expect(calls).toHaveLength(0);
  });
});
