/**
 * A generated authorization matrix over real HTTP against one local host process:
 * endpoints × every subset of the workspace roles × every request status × requester or not, each
 * cell's expected outcome read from the matrix the design states (test/support/expectedAuthorization.ts),
 * never from the domain's own rules, so a wrong rule in the code fails here.
 * Requests are seeded straight into the host's request store, one fresh request per mutating call,
 * and read back afterwards: an allowed action must have changed the stored request, a refused one
 * must not have. Deny by default means zero unexpected allows; the matrix also wants zero
 * unexpected denies.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { UserAction } from '../../src/domain/permissions';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { UserRef, WorkspaceRole } from '../../src/domain/roles';
import { stageAccountFor, stageOfStatus, storageAccountName } from '../../src/domain/stages';
import { RequestStatus, RequestType } from '../../src/domain/status';
import { RequestVisibility } from '../../src/domain/workspace';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { AirlockClient, ApiResponse, localCoreToken, localTokens } from '../support/airlockClient';
import {
  describeExpected,
  Endpoint,
  Expected,
  expectedOutcome,
  expectedUserActions,
  expectedVisible,
  Person,
  ROLE_SETS,
  rolesLabel,
  STATUSES,
} from '../support/expectedAuthorization';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
const STATE_ACCOUNT = 'airlockstate';
const REQUESTS_TABLE = 'airlockrequests';
const CONCURRENCY = 8;
const REQUESTER: UserRef = { id: 'rita', name: 'rita', email: 'rita@example.org' };
const SOMEONE_ELSE = 'nora';
/** What the API says when the write happened and only the workflow could not be told (seeded requests have none). */
const RECORDED_BUT_NOT_NOTIFIED = /was recorded, but the airlock's workflow could not be notified/;
/**
 * What the API says when the caller passed authorization but the request has no running workflow:
 * only cells expected to be allowed get one, so this answer elsewhere is a caller let through.
 */
const WORKFLOW_NOT_RUNNING = /workflow for request \S+ is not running/;

interface ActionEndpoint {
  endpoint: Endpoint;
  action: UserAction;
  path: string;
  body?: unknown;
}

const READ_ENDPOINTS: Endpoint[] = ['GET request', 'GET list', 'GET link', 'GET preview'];

const ACTION_ENDPOINTS: ActionEndpoint[] = [
  { endpoint: 'POST submit', action: 'submit', path: 'submit' },
  { endpoint: 'POST cancel', action: 'cancel', path: 'cancel' },
  {
    endpoint: 'POST review approve',
    action: 'review',
    path: 'review',
    body: { approval: true, decisionExplanation: 'matrix: approve' },
  },
  {
    endpoint: 'POST review reject',
    action: 'review',
    path: 'review',
    body: { approval: false, decisionExplanation: 'matrix: reject' },
  },
  {
    endpoint: 'POST review changes_requested',
    action: 'review',
    path: 'review',
    body: { decision: 'changes_requested', decisionExplanation: 'matrix: changes' },
  },
  { endpoint: 'POST revoke', action: 'revoke', path: 'revoke', body: { reason: 'matrix: revoke' } },
];

interface Cell {
  endpoint: Endpoint;
  roles: readonly WorkspaceRole[];
  status: RequestStatus;
  requester: boolean;
}

/** `allow`, or why not: an HTTP status (`deny:404`), or `unlisted` for a list that answers without the request. */
type Outcome = string;

interface Expectation {
  outcome: Outcome;
  /** What a refusal's detail must say. */
  says?: RegExp;
  /** The whole expected answer, for the failure report and the effects checked. */
  expected: Expected;
}

interface Mismatch {
  where: string;
  kind: 'UNEXPECTED ALLOW' | 'UNEXPECTED DENY' | 'WRONG REFUSAL' | 'WRONG EFFECT' | 'ERROR';
  expected: string;
  actual: string;
}

let host: LocalHostProcess;
let api: AirlockClient;
let store: TableRequestStore;
let blobOrigin: string;
let accountKeys: Record<string, string>;
let treId: string;
let adminToken: string;
let systemKey: string;
let settings: { requestVisibility: RequestVisibility; requiredApprovals: number };
const tokens = new Map<string, string>();

const tokenKey = (roles: readonly WorkspaceRole[], requester: boolean) => `${requester ? REQUESTER.id : SOMEONE_ELSE}:${roles.join('+')}`;
const personOf = (cell: Cell): Person => ({ roles: cell.roles, requester: cell.requester });

beforeAll(async () => {
  // The reconciler would start workflows for seeded requests at its next tick, mid-matrix.
  host = await startLocalHostProcess({ env: { 'AzureWebJobs.reconcileLifecycles.Disabled': 'true' } });
  api = new AirlockClient(host.apiUrl);

  const state = JSON.parse(readFileSync(join(host.dataDir, 'local-host.json'), 'utf8')) as { treId: string; accountKeys: Record<string, string>; systemKey: string };
  accountKeys = state.accountKeys;
  treId = state.treId;
  systemKey = state.systemKey;
  blobOrigin = /storage\s+Azurite (http:\/\/[^\s;,)]+)/.exec(host.output())?.[1] ?? '';
  expect(blobOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const tableOrigin = await findTableOrigin();
  store = await TableRequestStore.connect({ connectionString: connectionString(STATE_ACCOUNT, tableOrigin), tableName: REQUESTS_TABLE });

  const core = await localCoreToken(host.dataDir);
  adminToken = await core('ada', 'TREAdmin');
  const read = await api.call('GET', `/workspaces/${WS}/airlock-settings`, adminToken);
  expect(read.status).toBe(200);
  settings = read.body.workspace.airlock;
  // The matrix checks the defaults: the visibility the expectations are read with, and one approval deciding a review.
  expect(settings.requestVisibility).toBe('own');
  expect(settings.requiredApprovals).toBe(1);

  const mint = await localTokens(host.dataDir);
  for (const roles of ROLE_SETS) {
    for (const requester of [true, false]) tokens.set(tokenKey(roles, requester), await mint(WS, requester ? REQUESTER.id : SOMEONE_ELSE, ...roles));
  }
}, 60_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

function connectionString(account: string, tableOrigin: string): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKeys[account]};` +
    `BlobEndpoint=${blobOrigin}/${account};TableEndpoint=${tableOrigin}/${account};`
  );
}

/**
 * Azurite's table endpoint, from the banner (`...; tables http://...`). A banner without it leaves
 * the host's own listening sockets: the child is found by its data directory in /proc, and of its
 * listening ports the one that is neither the API's nor the blob service's and answers as a table
 * service is the one.
 */
async function findTableOrigin(): Promise<string> {
  const fromBanner = /\btables (http:\/\/[^\s;,)]+)/.exec(host.output())?.[1];
  if (fromBanner) return fromBanner;
  const apiPort = Number(new URL(host.apiUrl).port);
  const blobPort = Number(new URL(blobOrigin).port);
  const candidates = listeningPortsOf(host.dataDir).filter((port) => port !== apiPort && port !== blobPort);
  for (const port of candidates) {
    const origin = `http://127.0.0.1:${port}`;
    try {
      await new TableRequestStore({ connectionString: connectionString(STATE_ACCOUNT, origin), table: REQUESTS_TABLE }).ping();
      console.log(`authorization matrix: the banner names no table endpoint; found Azurite's table service on ${origin}`);
      return origin;
    } catch {
      // not the table service
    }
  }
  throw new Error(`no table endpoint in the banner, and none among the host's listening ports ${candidates.join(', ')}:\n${host.output()}`);
}

function listeningPortsOf(dataDir: string): number[] {
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (!environ.split('\0').includes(`AIRLOCK_DATA_DIR=${dataDir}`)) continue;
    const sockets = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) sockets.add(inode);
      } catch {
        // closed meanwhile
      }
    }
    const ports: number[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let lines: string[];
      try {
        lines = readFileSync(table, 'utf8').split('\n').slice(1);
      } catch {
        continue;
      }
      for (const fields of lines.map((line) => line.trim().split(/\s+/))) {
        // st 0A = LISTEN; field 9 is the socket's inode
        if (fields[3] === '0A' && sockets.has(fields[9])) ports.push(parseInt(fields[1].split(':').pop()!, 16));
      }
    }
    return ports;
  }
  return [];
}

// ---- seeding ----

let seeded = 0;

/** A request in `status`, written straight into the host's store: a draft with its status set, review cycle 1. */
async function seed(status: RequestStatus): Promise<AirlockRequest> {
  const type: RequestType = seeded++ % 2 === 0 ? 'import' : 'export';
  const now = Math.floor(Date.now() / 1000);
  const draft = newDraftRequest({
    id: randomUUID(),
    workspaceId: WS,
    type,
    title: `matrix: ${status}`,
    businessJustification: 'authorization matrix',
    creator: REQUESTER,
    now,
  });
  // Files where the status keeps them: a request returned for changes prepares its second submission.
  const stage = stageOfStatus(status);
  const filesAt = stage ? { stage, cycle: status === 'changes_requested' ? 2 : 1 } : null;
  return store.create({ ...draft, status, reviewCycle: status === 'draft' ? 0 : 1, filesAt });
}

/**
 * Seeded requests have no workflow, and an action is refused while nothing would carry it out; a
 * TRE administrator starts one (the lifecycle then waits where the seeded status says).
 */
async function startWorkflow(request: AirlockRequest): Promise<void> {
  const recovered = await api.call('POST', `/workspaces/${WS}/requests/${request.id}/recover`, adminToken);
  if (recovered.status !== 202) throw new Error(`could not start the workflow of a seeded '${request.status}' request: ${recovered.status} ${JSON.stringify(recovered.body)}`);
}

/**
 * Ends the workflow started for an allowed action once the action has been observed. What it would do
 * next (hash, move, scan, publish, notify) is nothing the matrix reads: left running, it is only
 * work the remaining cells wait behind. 410: it had already finished.
 */
async function endWorkflow(request: AirlockRequest): Promise<void> {
  const management = `${host.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask`;
  const ended = await fetch(`${management}/instances/${request.id}/terminate?reason=${encodeURIComponent('authorization matrix: action observed')}`, {
    method: 'POST',
    headers: { 'x-functions-key': systemKey },
  });
  if (ended.status !== 202 && ended.status !== 410) throw new Error(`could not end the workflow of request ${request.id}: ${ended.status} ${await ended.text()}`);
}

const FILE = { name: 'data.csv', content: 'a,b\n1,2\n' };

/** One small file where the request's files are, put there with the account key, so a submit is not refused for "no files". */
async function putFile(request: AirlockRequest): Promise<void> {
  const at = request.filesAt!;
  const account = storageAccountName(stageAccountFor(request.type, at.stage), { treId, workspaceId: request.workspaceId });
  const service = new BlobServiceClient(`${blobOrigin}/${account}`, new StorageSharedKeyCredential(account, accountKeys[account]));
  const container = service.getContainerClient(`${request.id}-${at.cycle}`);
  await container.createIfNotExists();
  await container.getBlockBlobClient(FILE.name).upload(FILE.content, FILE.content.length);
}

/**
 * A file where the request's files are, recorded as one of its files outside the draft stage, so a
 * preview the matrix allows finds it (a refused one must not get as far as looking).
 */
async function withPreviewableFile(request: AirlockRequest): Promise<AirlockRequest> {
  if (!request.filesAt) return request;
  if (request.filesAt.stage === 'draft') {
    await putFile(request);
    return request;
  }
  return putApprovedFile(request);
}

/** An approved request's file, there and recorded, so a revoke can move it out of the approved stage. */
async function putApprovedFile(request: AirlockRequest): Promise<AirlockRequest> {
  await putFile(request);
  const sha256 = createHash('sha256').update(FILE.content).digest('hex');
  return store.replace({ ...request, files: [{ name: FILE.name, size: FILE.content.length, sha256 }] });
}

// ---- expectations, from the design's matrix ----

function expectationFor(cell: Cell): Expectation {
  const expected = expectedOutcome(cell.endpoint, personOf(cell), cell.status, settings.requestVisibility);
  if (expected.allowed) return { outcome: 'allow', expected };
  if ('unlisted' in expected) return { outcome: 'unlisted', expected };
  return { outcome: `deny:${expected.httpStatus}`, says: expected.says, expected };
}

// ---- observations, over HTTP ----

interface Observation {
  outcome: Outcome;
  detail?: string;
  /** Something wrong beyond the outcome: a wrong body, a stored request that changed or did not. */
  problems: string[];
  /** An allowed action answered 503: written, but the (absent) workflow could not be told. */
  recordedNotNotified?: boolean;
}

function refusalObserved(response: ApiResponse): Observation {
  return { outcome: `deny:${response.status}`, detail: response.body?.detail, problems: [] };
}

const sameActions = (shown: unknown, cell: Cell) =>
  JSON.stringify(shown) === JSON.stringify(expectedUserActions(personOf(cell), cell.status, settings.requestVisibility));
const expectedActionsOf = (cell: Cell) => JSON.stringify(expectedUserActions(personOf(cell), cell.status, settings.requestVisibility));

async function observeRead(cell: Cell, request: AirlockRequest, expectation: Expectation): Promise<Observation> {
  const token = tokens.get(tokenKey(cell.roles, cell.requester))!;
  const callerId = cell.requester ? REQUESTER.id : SOMEONE_ELSE;
  const base = `/workspaces/${WS}/requests`;
  if (cell.endpoint === 'GET request') {
    const response = await api.call('GET', `${base}/${request.id}`, token);
    if (response.status !== 200) return refusalObserved(response);
    const problems: string[] = [];
    if (response.body?.airlockRequest?.id !== request.id) problems.push(`answered with another request (${response.body?.airlockRequest?.id})`);
    if (!sameActions(response.body?.allowedUserActions, cell)) {
      problems.push(`allowedUserActions ${JSON.stringify(response.body?.allowedUserActions)} ≠ expected ${expectedActionsOf(cell)}`);
    }
    return { outcome: 'allow', problems };
  }
  if (cell.endpoint === 'GET list') {
    const listed: { airlockRequest: AirlockRequest; allowedUserActions: string[] }[] = [];
    let continuation: string | undefined;
    do {
      const query = `?pageSize=100${continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : ''}`;
      const response = await api.call('GET', `${base}${query}`, token);
      if (response.status !== 200) return refusalObserved(response);
      listed.push(...response.body.airlockRequests);
      continuation = response.body.continuationToken;
    } while (continuation);
    const problems = listed
      .filter((item) => !expectedVisible({ roles: cell.roles, requester: item.airlockRequest.createdBy.id === callerId }, settings.requestVisibility))
      .map((item) => `list shows request ${item.airlockRequest.id} (status ${item.airlockRequest.status}, by ${item.airlockRequest.createdBy.id}) that the caller may not view`);
    const mine = listed.find((item) => item.airlockRequest.id === request.id);
    if (mine && !sameActions(mine.allowedUserActions, cell)) {
      problems.push(`listed allowedUserActions ${JSON.stringify(mine.allowedUserActions)} ≠ expected ${expectedActionsOf(cell)}`);
    }
    return { outcome: mine ? 'allow' : 'unlisted', problems };
  }
  if (cell.endpoint === 'GET preview') {
    const response = await api.call('GET', `${base}/${request.id}/preview?file=${encodeURIComponent(FILE.name)}`, token);
    if (response.status !== 200) return refusalObserved(response);
    // An allowed preview must show the file from the stage the matrix says, of the cycle the files are in.
    const reads = expectation.expected.allowed ? expectation.expected.reads : undefined;
    const shown = { stage: response.body?.stage, cycle: response.body?.cycle, kind: response.body?.kind, header: response.body?.table?.header, rows: response.body?.table?.rows };
    const wanted = { stage: reads, cycle: request.filesAt?.cycle, kind: 'table', header: ['a', 'b'], rows: [['1', '2']] };
    return { outcome: 'allow', problems: JSON.stringify(shown) === JSON.stringify(wanted) ? [] : [`preview showed ${JSON.stringify(shown)}, expected ${JSON.stringify(wanted)}`] };
  }
  const response = await api.call('GET', `${base}/${request.id}/link`, token);
  if (response.status !== 200) return refusalObserved(response);
  const problems: string[] = [];
  // An allowed link must be the expected grant: the right stage account, the container of the cycle the
  // files are in, the right SAS permissions, nothing more.
  const grant = expectation.expected.allowed ? expectation.expected.grant : undefined;
  const url = new URL(String(response.body?.containerUrl));
  if (grant) {
    const account = storageAccountName(stageAccountFor(request.type, grant.stage), { treId, workspaceId: WS });
    const container = `${request.id}-${request.filesAt?.cycle}`;
    if (url.pathname !== `/${account}/${container}`) problems.push(`link to ${url.pathname}, expected /${account}/${container}`);
    const sp = [...(url.searchParams.get('sp') ?? '')].sort().join('');
    if (sp !== [...grant.permissions].sort().join('')) problems.push(`link with permissions '${url.searchParams.get('sp')}', expected '${grant.permissions}'`);
  }
  return { outcome: 'allow', problems };
}

async function observeAction(cell: Cell, action: ActionEndpoint, request: AirlockRequest, expectation: Expectation): Promise<Observation> {
  const token = tokens.get(tokenKey(cell.roles, cell.requester))!;
  const response = await api.call('POST', `/workspaces/${WS}/requests/${request.id}/${action.path}`, token, action.body);
  const allowedByApi = response.status === 200 || (response.status === 503 && RECORDED_BUT_NOT_NOTIFIED.test(response.body?.detail ?? ''));
  const passedAuthorizationOnly = !allowedByApi && !isAllow(expectation.outcome) && response.status === 503 && WORKFLOW_NOT_RUNNING.test(response.body?.detail ?? '');
  const observation: Observation = allowedByApi
    ? { outcome: 'allow', problems: [], recordedNotNotified: response.status === 503 }
    : passedAuthorizationOnly
      ? { outcome: 'allow', detail: `authorized, then refused only for want of a workflow: ${response.body?.detail}`, problems: [] }
      : refusalObserved(response);

  const stored = await store.get(WS, request.id);
  if (!stored) {
    observation.problems.push('the request is gone from the store');
  } else if (expectation.outcome === 'allow' && allowedByApi) {
    const target = expectation.expected.allowed ? expectation.expected.leadsTo : undefined;
    if (stored.etag === request.etag) observation.problems.push('allowed, but the stored request did not change');
    // The action is the change right after the version acted on; the workflow (running, since an action
    // is refused without one) may have recorded its own next steps since.
    const change = stored.history.find((item) => item.resourceVersion === request.resourceVersion);
    if (change?.properties.previousStatus !== request.status || change?.properties.status !== target) {
      observation.problems.push(`the change after version ${request.resourceVersion} is ${JSON.stringify(change?.properties)}, expected '${request.status}' → '${target}'`);
    }
    // A revoke answers once the workflow has moved the files out of the approved stage.
    if (action.action === 'revoke' && stored.filesAt?.stage !== 'rejected') observation.problems.push(`revoked, but the files are at ${JSON.stringify(stored.filesAt)}`);
    if (response.status === 200 && response.body?.airlockRequest?.status !== target) {
      observation.problems.push(`answered status '${response.body?.airlockRequest?.status}', expected '${target}'`);
    }
  } else if (stored.etag !== request.etag) {
    observation.problems.push(`refused (${response.status}) or unexpected, yet the stored request changed: status '${request.status}' → '${stored.status}'`);
  }
  return observation;
}

// ---- the matrix ----

function cellsFor(endpoints: Endpoint[]): Cell[] {
  const cells: Cell[] = [];
  for (const endpoint of endpoints) {
    for (const roles of ROLE_SETS) {
      for (const status of STATUSES) {
        for (const requester of [true, false]) cells.push({ endpoint, roles, status, requester });
      }
    }
  }
  return cells;
}

async function inPool<T>(items: readonly T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

const isAllow = (outcome: Outcome) => outcome === 'allow';

function compare(cell: Cell, expected: Expectation, observed: Observation): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const where = cellLabel(cell);
  const actual = `${observed.outcome}${observed.detail ? ` (${observed.detail})` : ''}`;
  const wanted = describeExpected(expected.expected);
  if (expected.outcome !== observed.outcome) {
    const kind = isAllow(observed.outcome) ? 'UNEXPECTED ALLOW' : isAllow(expected.outcome) ? 'UNEXPECTED DENY' : 'WRONG REFUSAL';
    mismatches.push({ where, kind, expected: wanted, actual });
  } else if (expected.says && !expected.says.test(observed.detail ?? '')) {
    mismatches.push({ where, kind: 'WRONG REFUSAL', expected: wanted, actual });
  }
  for (const problem of observed.problems) mismatches.push({ where, kind: 'WRONG EFFECT', expected: wanted, actual: `${actual}: ${problem}` });
  return mismatches;
}

const cellLabel = (cell: Cell) =>
  `${cell.endpoint} | roles ${rolesLabel(cell.roles)} | status ${cell.status} | ${cell.requester ? 'requester' : 'not the requester'}`;

function explain(mismatch: Mismatch): string {
  return `${mismatch.kind}: ${mismatch.where}\n    expected ${mismatch.expected}\n    actual   ${mismatch.actual}`;
}

/** The request's own fields: not the store's version (`etag`) nor the head of its audit log. */
function withoutVersioning(request: AirlockRequest | undefined): unknown {
  if (!request) return undefined;
  const { etag: _etag, auditHead: _auditHead, ...fields } = request as AirlockRequest & { auditHead?: unknown };
  return fields;
}

test('every endpoint × role set × status × requester-or-not answers exactly as the design says', async () => {
  const started = Date.now();
  const mismatches: Mismatch[] = [];
  let allowed = 0;
  let denied = 0;
  let notNotified = 0;
  const allowedBy = new Map<Endpoint, number>();
  const record = (cell: Cell, expected: Expectation, observed: Observation) => {
    if (isAllow(observed.outcome)) {
      allowed++;
      allowedBy.set(cell.endpoint, (allowedBy.get(cell.endpoint) ?? 0) + 1);
      if (observed.recordedNotNotified) notNotified++;
    } else denied++;
    mismatches.push(...compare(cell, expected, observed));
  };
  const guarded = async (cell: Cell, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      denied++;
      mismatches.push({ where: cellLabel(cell), kind: 'ERROR', expected: 'an answer', actual: String((error as Error)?.stack ?? error) });
    }
  };

  // Reads change no field of a request, so one request per status serves every read cell; they run before any
  // action seeds more requests, and the list is read whole (every page) all the same.
  const shared = new Map<RequestStatus, AirlockRequest>();
  for (const status of STATUSES) shared.set(status, await withPreviewableFile(await seed(status)));
  const readCells = cellsFor(READ_ENDPOINTS);
  await inPool(readCells, CONCURRENCY, (cell) =>
    guarded(cell, async () => {
      const request = shared.get(cell.status)!;
      const expected = expectationFor(cell);
      record(cell, expected, await observeRead(cell, request, expected));
    }),
  );
  // Reads change none of the request's fields. A link's issuance and a preview are written to the
  // request's audit log (which moves its etag and `auditHead`): where the store keeps one, it must
  // hold exactly one entry per link and per preview the matrix expected, none for a refusal or another read.
  const auditLog = (store as unknown as { listAudit?: (ws: string, id: string) => Promise<{ action?: string }[]> }).listAudit;
  for (const request of shared.values()) {
    const after = await store.get(WS, request.id);
    const where = `reads (GET request, list, link, preview) of the shared '${request.status}' request`;
    if (JSON.stringify(withoutVersioning(after)) !== JSON.stringify(withoutVersioning(request))) {
      mismatches.push({ where, kind: 'WRONG EFFECT', expected: 'the request unchanged', actual: `stored request now ${JSON.stringify(after)}` });
    }
    if (auditLog) {
      const entries = await auditLog.call(store, WS, request.id);
      const allowedReads = (endpoint: Endpoint) =>
        readCells.filter((cell) => cell.endpoint === endpoint && cell.status === request.status && isAllow(expectationFor(cell).outcome)).length;
      const expectedEntries = { 'link.issued': allowedReads('GET link'), 'file.previewed': allowedReads('GET preview') };
      const actions = entries.map((entry) => entry.action);
      const counted = { 'link.issued': actions.filter((action) => action === 'link.issued').length, 'file.previewed': actions.filter((action) => action === 'file.previewed').length };
      if (JSON.stringify(counted) !== JSON.stringify(expectedEntries) || entries.length !== counted['link.issued'] + counted['file.previewed']) {
        mismatches.push({ where, kind: 'WRONG EFFECT', expected: `audit entries ${JSON.stringify(expectedEntries)}`, actual: `${entries.length}: ${JSON.stringify(actions)}` });
      }
    }
  }

  // An action the design allows gets a request of its own, which it changes. Refusals change nothing, so
  // the refused cells of one action and status share a request, seeded once and replaced only if one
  // of them changed it after all (that cell is then a mismatch).
  const prepared = async (action: ActionEndpoint, status: RequestStatus): Promise<AirlockRequest> => {
    const request = await seed(status);
    if (action.action === 'submit' && (status === 'draft' || status === 'changes_requested')) await putFile(request);
    return action.action === 'revoke' && status === 'approved' ? putApprovedFile(request) : request;
  };
  const sharedForRefusals = new Map<string, Promise<AirlockRequest>>();
  const actionCells = cellsFor(ACTION_ENDPOINTS.map((a) => a.endpoint));
  await inPool(actionCells, CONCURRENCY, (cell) =>
    guarded(cell, async () => {
      const action = ACTION_ENDPOINTS.find((a) => a.endpoint === cell.endpoint)!;
      const expected = expectationFor(cell);
      const key = `${action.action} ${cell.status}`;
      let request: AirlockRequest;
      let current: AirlockRequest;
      if (isAllow(expected.outcome)) {
        request = await prepared(action, cell.status);
        await startWorkflow(request);
        // The workflow may have stored its first steps already: the action is judged against the version it acts on.
        current = (await store.get(WS, request.id)) ?? request;
      } else {
        if (!sharedForRefusals.has(key)) sharedForRefusals.set(key, prepared(action, cell.status));
        request = await sharedForRefusals.get(key)!;
        // A shared request has no workflow and nothing else writes to it: as seeded is as stored, unless a
        // refusal changed it after all, which every cell acting on it meanwhile then reports.
        current = request;
      }
      const observed = await observeAction(cell, action, current, expected);
      if (isAllow(expected.outcome)) await endWorkflow(request);
      if (!isAllow(expected.outcome) && observed.problems.length > 0) sharedForRefusals.delete(key);
      record(cell, expected, observed);
    }),
  );

  const size = readCells.length + actionCells.length;
  const counts = mismatches.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] ?? 0) + 1 }), {});
  console.log(
    `authorization matrix: ${size} cells (${READ_ENDPOINTS.length + ACTION_ENDPOINTS.length} endpoints × ${ROLE_SETS.length} role sets × ` +
      `${STATUSES.length} statuses × requester or not), ${allowed} allowed, ${denied} denied, ${mismatches.length} mismatches` +
      ` (allowed by endpoint: ${[...allowedBy].map(([endpoint, n]) => `${endpoint} ${n}`).join(', ')}; ${notNotified} allowed actions answered 503 "recorded, workflow not notified")` +
      `${mismatches.length ? ` ${JSON.stringify(counts)}` : ''}; ${seeded} requests seeded; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(allowed + denied).toBe(size);
  if (mismatches.length > 0) {
    // The worst first: a refusal that let the caller through, then a change where none was due.
    const severity: Mismatch['kind'][] = ['UNEXPECTED ALLOW', 'WRONG EFFECT', 'UNEXPECTED DENY', 'WRONG REFUSAL', 'ERROR'];
    mismatches.sort((a, b) => severity.indexOf(a.kind) - severity.indexOf(b.kind));
    throw new Error(
      `${mismatches.length} of ${size} cells differ from the expected matrix (${JSON.stringify(counts)}); the first 20:\n` +
        mismatches.slice(0, 20).map(explain).join('\n'),
    );
  }
  expect(mismatches).toEqual([]);
}, 400_000);
