/**
 * A bounded, seeded fuzz of what people can send: request bodies, query strings, route parameters
 * and blob names (through the SAS link, then submitted). Whatever comes in, the airlock answers
 * below 500; a 4xx says what is wrong in `{"detail": ...}` and changes nothing; a file name the
 * airlock accepts at submit is carried exactly, never turned into another name or a failed request.
 * A failure prints the seed; CHAOS_SEED=<seed> replays the same inputs.
 */
import { AirlockClient, listContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { decodeXml } from './lifecycleDriver';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';
import { waitForAll } from '../support/requestWaits';
import { chaosSeed, SeededRandom } from './seededRandom';

const WS = 'demo';
const BASE = `/workspaces/${WS}/requests`;
const SEED = chaosSeed(process.env.CHAOS_SEED);
const random = new SeededRandom(SEED);

let host: LocalHostProcess;
let api: AirlockClient;
let t: Record<'rita' | 'mona' | 'olga', string>;
/** A draft with one file, a request in review and an approved one: the state every refused call must leave alone. */
let fixtures: { draft: string; inReview: string; approved: string };

/** Strings that have broken parsers, routers and storage paths somewhere. */
const HOSTILE = [
  '', ' ', '.', '..', '../x', '..%2fx', '%2e%2e', '%2e%2e%2fx', '..\\x', 'a/../b', '/', '//', 'x/', '%00', '\u0000', '\n', '\r\n', '\u007f',
  'x'.repeat(5_000), 'é', 'e\u0301', '\u202etxt.exe', '\ufeff', "' OR 1=1 --", '"', '<script>', '{"a":1}', '[]', 'null', 'true', '-1', '0', '1e309', 'NaN',
  '__proto__', 'constructor', 'draft', 'import', 'updatedWhen',
];

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  t = { rita: await mint(WS, 'rita', 'WorkspaceResearcher'), mona: await mint(WS, 'mona', 'AirlockManager'), olga: await mint(WS, 'olga', 'WorkspaceOwner') };
  const [draft, inReview, approved] = await Promise.all([draftWith({ 'a.csv': 'a,b\n1,2\n' }), draftWith({ 'b.csv': 'a,b\n3,4\n' }), draftWith({ 'c.csv': 'a,b\n5,6\n' })]);
  fixtures = { draft: draft.id, inReview: inReview.id, approved: approved.id };
  const submitted = await Promise.all([fixtures.inReview, fixtures.approved].map((id) => api.call('POST', `${BASE}/${id}/submit`, t.rita)));
  for (const answer of submitted) expect(answer.status).toBe(200);
  await waitForAll(api, WS, t.rita, [fixtures.inReview, fixtures.approved], 'in_review');
  expect((await api.call('POST', `${BASE}/${fixtures.approved}/review`, t.mona, { approval: true, decisionExplanation: 'fixture' })).status).toBe(200);
  await api.waitForStatus(WS, fixtures.approved, t.rita, 'approved');
}, 90_000);

afterAll(async () => {
  await host?.stop();
});

async function draftWith(files: Record<string, string>): Promise<{ id: string; link: string }> {
  const created = await api.call('POST', BASE, t.rita, { type: 'import', title: 'fuzz', businessJustification: 'fuzz' });
  expect(created.status).toBe(201);
  const id = created.body.airlockRequest.id;
  const link = (await api.call('GET', `${BASE}/${id}/link`, t.rita)).body.containerUrl;
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link, name, content)).toBe(201);
  return { id, link };
}

/** What a refused call must not change: every request's status and version, and how many there are. */
async function snapshot(): Promise<string> {
  const listed = await api.call('GET', BASE, t.olga);
  return JSON.stringify(listed.body.airlockRequests.map((r: any) => [r.airlockRequest.id, r.airlockRequest.status, r.airlockRequest.resourceVersion]).sort());
}

/** Raw HTTP, so bodies that are not JSON and paths that are not clean reach the host as sent. */
async function raw(method: string, path: string, token: string, body?: string): Promise<{ status: number; text: string; json?: any }> {
  const response = await fetch(`${host.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** The contract for one fuzzed call; what is wrong with the answer, or undefined. */
function judge(answer: { status: number; json?: any; text: string }): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (answer.status >= 400 && (typeof answer.json?.detail !== 'string' || answer.json.detail.trim() === '')) return `answered ${answer.status} without a {"detail"}: ${answer.text.slice(0, 300)}`;
  return undefined;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…(${text.length} chars)` : text;
}

function mutatedCreateBody(): string {
  const valid: Record<string, unknown> = { type: 'import', title: 'fuzzed', businessJustification: 'fuzzed' };
  const field = random.pick(['type', 'title', 'businessJustification', 'extra', '__proto__']);
  switch (random.int(0, 5)) {
    case 0:
      delete valid[field];
      return JSON.stringify(valid);
    case 1:
      valid[field] = random.pick([null, 0, -1, true, [], {}, ['import'], { $ne: null }, 'x'.repeat(100_000), random.pick(HOSTILE)]);
      return JSON.stringify(valid);
    case 2:
      valid.type = random.pick(['Import', 'IMPORT', 'imp0rt', 'export ', ' import', 'importexport', random.pick(HOSTILE)]);
      return JSON.stringify(valid);
    case 3:
      return random.pick(['', ' ', 'null', '[]', '"import"', '42', 'true', '{', '{"type":', '{"type":"import"}}', '\u0000', '{"type":"import","title":"t","businessJustification":"b",}']);
    case 4:
      return `{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"type":"import","title":"${random.pick(['t', '\\u0000', '\\ud800'])}","businessJustification":"b"}`;
    default:
      return JSON.stringify({ ...valid, [field]: random.pick(HOSTILE) });
  }
}

function mutatedReviewBody(): string {
  return random.pick([
    JSON.stringify({ approval: random.pick(['maybe', 2, -1, [], {}, 'yes please', '']), decisionExplanation: 'x' }),
    JSON.stringify({ decision: random.pick(['approve', 'APPROVED', 'revoked', 'cancelled', '', 42, null, random.pick(HOSTILE)]), decisionExplanation: 'x' }),
    JSON.stringify({ approval: true, decision: 'rejected', decisionExplanation: 'both' }),
    JSON.stringify({ approval: true, decisionExplanation: random.pick([123, [], {}, true]) }),
    random.pick(['', '{', 'null', '[]', '"approve"']),
  ]);
}

describe(`fuzz (seed ${SEED}, replay with CHAOS_SEED=${SEED})`, () => {
  test('request bodies: create, review and revoke answer 4xx with a detail and change nothing, or succeed', async () => {
    const failures: string[] = [];
    // The stored requests as last read, while no call has been sent since that may have changed them.
    let known: string | undefined;
    for (let i = 0; i < 60; i++) {
      const kind = random.pick(['create', 'review', 'revoke'] as const);
      const before = known ?? (await snapshot());
      known = undefined;
      const body = kind === 'create' ? mutatedCreateBody() : kind === 'review' ? mutatedReviewBody() : random.pick(['', '{}', '{"reason":""}', '{"reason":"   "}', '{"reason":42}', '{"reason":null}', 'null', '[]']);
      // Each action on a request whose status allows it, so the body is what decides.
      const path = kind === 'create' ? BASE : `${BASE}/${kind === 'review' ? fixtures.inReview : fixtures.approved}/${kind}`;
      const answer = await raw('POST', path, kind === 'create' ? t.rita : t.mona, body);
      const problem = judge(answer);
      if (problem) failures.push(`POST ${kind} ${show(body)}: ${problem}`);
      if (answer.status >= 400 && answer.status < 500) {
        const after = await snapshot();
        if (after !== before) failures.push(`POST ${kind} ${show(body)}: answered ${answer.status} but the stored requests changed`);
        else known = after;
      }
      if (kind === 'review' && answer.status === 200) failures.push(`POST review ${show(body)} was accepted: ${answer.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test('query strings of the list endpoints answer 200 or a 4xx with a detail', async () => {
    const failures: string[] = [];
    const names = ['type', 'status', 'creator_user_id', 'order_by', 'order_ascending', 'pageSize', 'continuationToken', 'airlock_manager', 'awaiting_my_review', 'unknown', '__proto__'];
    for (let i = 0; i < 50; i++) {
      const pairs = Array.from({ length: random.int(1, 4) }, () => `${encodeURIComponent(random.pick(names))}=${random.chance(0.8) ? encodeURIComponent(random.pick(HOSTILE)) : random.pick(['%', '%zz', '%00', '%2', '&&', '=='])}`);
      const path = `${random.chance(0.7) ? BASE : '/requests'}?${pairs.join('&')}`;
      let answer;
      try {
        answer = await raw('GET', path, random.pick([t.rita, t.olga, t.mona]));
      } catch (error) {
        failures.push(`GET ${show(path)}: no answer (${(error as Error).message})`);
        continue;
      }
      const problem = judge(answer);
      if (problem) failures.push(`GET ${show(path)}: ${problem}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test('route parameters: hostile workspace and request ids answer 4xx with a detail and change nothing', async () => {
    const failures: string[] = [];
    const routes: [string, (ws: string, id: string) => string, string | undefined][] = [
      ['GET', (ws, id) => `/workspaces/${ws}/requests/${id}`, undefined],
      ['GET', (ws, id) => `/workspaces/${ws}/requests/${id}/link`, undefined],
      ['GET', (ws, id) => `/workspaces/${ws}/requests/${id}/audit`, undefined],
      ['POST', (ws, id) => `/workspaces/${ws}/requests/${id}/submit`, undefined],
      ['POST', (ws, id) => `/workspaces/${ws}/requests/${id}/cancel`, undefined],
      ['POST', (ws, id) => `/workspaces/${ws}/requests/${id}/review`, '{"approval":true,"decisionExplanation":"fuzz"}'],
      ['POST', (ws, id) => `/workspaces/${ws}/requests/${id}/revoke`, '{"reason":"fuzz"}'],
    ];
    // An empty id is not hostile but another route: '/requests/' is the list, as the Functions host ignores a trailing slash.
    const hostileId = () =>
      random.pick([
        encodeURIComponent(random.pick(HOSTILE.filter((text) => text !== ''))),
        random.pick(['..', '.', '%2e%2e', '%2e%2e%2f' + fixtures.draft, '..%2f..%2fhealth', fixtures.draft + '%00', fixtures.draft + '%20', `${fixtures.draft}%2f..%2f${fixtures.inReview}`]),
      ]);
    // The stored requests as read after the last POST (a GET changes none of what a snapshot shows).
    let known: string | undefined;
    for (let i = 0; i < 70; i++) {
      const [method, route, body] = random.pick(routes);
      const workspaceIsHostile = random.chance(0.3);
      const path = route(workspaceIsHostile ? hostileId() : WS, workspaceIsHostile ? random.pick([fixtures.draft, fixtures.inReview]) : hostileId());
      const before = method === 'POST' ? (known ?? (await snapshot())) : undefined;
      const answer = await raw(method, path, random.pick([t.rita, t.mona, t.olga]), body);
      const problem = judge(answer);
      if (problem) failures.push(`${method} ${show(path)}: ${problem}`);
      // A client resolves '.' and '..' segments (even as %2e) before sending, as browsers do: such a path reaches another route, where a 2xx may be right.
      else if (answer.status < 400 && new URL(`${host.apiUrl}${path}`).href === `${host.apiUrl}${path}`) failures.push(`${method} ${show(path)}: answered ${answer.status} to a hostile id`);
      if (method === 'POST') {
        known = await snapshot();
        if (known !== before) failures.push(`${method} ${show(path)}: answered ${answer.status} but the stored requests changed`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  test('blob names: a submit refuses a bad name by name and leaves the draft, or carries the name exactly', async () => {
    const names = ['../x.csv', '..%2fx.csv', '%2e%2e%2fx.csv', 'a/../b.csv', 'dir/./c.csv', 'tab\there.csv', 'nul\u0000.csv', 'bell\u0007.csv', `${'n'.repeat(300)}.csv`, 'cafe\u0301.csv', 'folder/', 'trailing.', 'back\\slash.csv', 'rtl\u202ecsv.exe', 'UPPER.csv', 'dup.csv'];
    // Each name has a request of its own, so the names are tried a few at a time.
    const tryName = async (name: string): Promise<string[]> => {
      const failures: string[] = [];
      const { id, link } = await draftWith({ 'good.csv': 'a,b\n1,2\n' });
      const stored = await uploadToContainer(link, name, 'a,b\n5,6\n').catch(() => 0);
      const storedNames = (await listContainer(link)).names.map(decodeXml);
      const submit = await raw('POST', `${BASE}/${id}/submit`, t.rita);
      const problem = judge(submit);
      const what = `${show(name)} (storage answered ${stored} to the upload)`;
      if (problem) {
        failures.push(`submit with ${what}: ${problem}`);
        return failures;
      }
      const after = (await api.call('GET', `${BASE}/${id}`, t.rita)).body.airlockRequest;
      const listedName = storedNames.find((listed) => listed !== 'good.csv');
      if (submit.status >= 400) {
        if (after.status !== 'draft') failures.push(`submit with ${what} answered ${submit.status} but the request is '${after.status}'`);
        const detail: string = submit.json.detail;
        if (listedName !== undefined && !detail.includes(JSON.stringify(listedName)) && !detail.includes(listedName)) failures.push(`submit with ${what} answered ${submit.status} without naming the file: ${detail}`);
        return failures;
      }
      const settled = await settle(id);
      if (settled.status === 'failed') {
        failures.push(`submit with ${what} was accepted, then the request failed: ${settled.statusMessage}`);
        return failures;
      }
      if (stored === 201) {
        // The storage service has its own say (it turns '\\' into '/'): the name to carry is the one it lists.
        const recorded = settled.files.find((f: any) => f.name === listedName);
        if (!recorded) failures.push(`submit with ${what}, listed by the storage as ${show(listedName)}, was accepted, but the request's files are ${show(settled.files.map((f: any) => f.name))}`);
        else if (settled.status === 'in_review' && recorded.sha256 !== sha256('a,b\n5,6\n')) failures.push(`${what}: recorded sha256 ${recorded.sha256} is not the uploaded bytes'`);
      }
      return failures;
    };
    const failuresByName = new Map<string, string[]>();
    await inPool(names, 4, async (name) => void failuresByName.set(name, await tryName(name)));
    expect(names.flatMap((name) => failuresByName.get(name)!)).toEqual([]);
  }, 180_000);
});

async function inPool<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

/** The request once the airlock is done with the submission (hashing, moving, checking). */
async function settle(id: string): Promise<any> {
  for (;;) {
    const request = (await api.call('GET', `${BASE}/${id}`, t.rita)).body.airlockRequest;
    if (!['submitted', 'blocking_in_progress'].includes(request.status)) return request;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
