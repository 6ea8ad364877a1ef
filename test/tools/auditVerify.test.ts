/**
 * The audit verifier against a TableRequestStore on embedded Azurite: untouched logs pass, and an
 * entry changed or deleted directly in the table (around the store, with the Table SDK) is named.
 */
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { AuditDraft, AuditEntry } from '../../src/domain/audit';
import { AirlockRequest, newDraftRequest, withStatus } from '../../src/domain/request';
import { UserRef } from '../../src/domain/roles';
import { auditEntryId, hashAuditEntry } from '../../src/infra/auditChain';
import { RequestStore } from '../../src/infra/requestStore';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';
import { verifyAllRequests } from '../../src/tools/auditVerify';

const ACCOUNT = 'auditverify';
const alice: UserRef = { id: 'user-alice', name: 'Alice Researcher' };
const T = 1_780_000_000;

let azurite: RunningAzurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { [ACCOUNT]: newAccountKey() } });
});

afterAll(async () => {
  await azurite?.close();
});

/** A fresh table per test, so each run sees only its own requests. */
async function freshStore(): Promise<TableRequestStore> {
  const name = `audit${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  table = TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), name, { allowInsecureConnection: true });
  return TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
}

const audited = (action: string, extra: Partial<AuditDraft> = {}): AuditDraft => ({ action, actor: alice, time: T, ...extra });

/** A request with three audit entries: created, files recorded, submitted. */
async function auditedRequest(store: RequestStore, workspaceId: string, createdWhen = T): Promise<AirlockRequest> {
  const request = newDraftRequest({ id: randomUUID(), workspaceId, type: 'import', title: 'Survey', businessJustification: 'Protocol 7', creator: alice, now: createdWhen });
  const created = await store.create(request, [audited('request.created', { toStatus: 'draft' })]);
  return store.replace(withStatus(created, { to: 'submitted', trigger: 'submit', actor: alice, now: createdWhen + 1 }), [
    audited('files.recorded', { files: [{ name: 'data.csv', sha256: 'a'.repeat(64) }] }),
    audited('status.changed', { fromStatus: 'draft', toStatus: 'submitted' }),
  ]);
}

/** Rewrites the JSON of an entry row in place, as someone with the storage key could. */
async function tamperWithEntry(request: AirlockRequest, seq: number, edit: (entry: Record<string, unknown>) => void): Promise<void> {
  const entity = await table.getEntity<Record<string, unknown>>(request.workspaceId, auditEntryId(request.id, seq));
  const entry = JSON.parse(String(entity.doc0)) as Record<string, unknown>;
  edit(entry);
  await table.updateEntity({ partitionKey: request.workspaceId, rowKey: auditEntryId(request.id, seq), doc0: JSON.stringify(entry) }, 'Merge');
}

test('every untouched log verifies, including a request written before auditing', async () => {
  const store = await freshStore();
  const first = await auditedRequest(store, 'ws-one', T);
  const second = await auditedRequest(store, 'ws-two', T + 10);
  const legacy = await store.create(newDraftRequest({ id: randomUUID(), workspaceId: 'ws-one', type: 'export', title: 'Old', businessJustification: 'x', creator: alice, now: T + 20 }));

  const lines: string[] = [];
  const result = await verifyAllRequests(store, (line) => lines.push(line));

  expect(result).toEqual({ checked: 3, broken: [] });
  expect(lines).toEqual([`ok ws-one/${first.id} (3 entries)`, `ok ws-two/${second.id} (3 entries)`, `ok ws-one/${legacy.id} (0 entries)`]);
});

test('an entry edited in the table is named, and only its request is reported', async () => {
  const store = await freshStore();
  const intact = await auditedRequest(store, 'ws-one', T);
  const tampered = await auditedRequest(store, 'ws-one', T + 10);
  await tamperWithEntry(tampered, 2, (entry) => {
    (entry.files as Array<{ sha256: string }>)[0].sha256 = 'b'.repeat(64);
  });

  const lines: string[] = [];
  const result = await verifyAllRequests(store, (line) => lines.push(line));

  expect(result).toEqual({
    checked: 2,
    broken: [{ workspaceId: 'ws-one', requestId: tampered.id, entries: 3, problems: ['entry 2: hash does not match its content'] }],
  });
  expect(lines).toEqual([`ok ws-one/${intact.id} (3 entries)`, `BROKEN ws-one/${tampered.id}: entry 2: hash does not match its content`]);
});

test('an edit with a recomputed hash, a deleted entry and an unreadable entry are each named', async () => {
  const store = await freshStore();
  const forged = await auditedRequest(store, 'ws-one', T);
  const pruned = await auditedRequest(store, 'ws-one', T + 10);
  const truncated = await auditedRequest(store, 'ws-two', T + 20);
  const garbled = await auditedRequest(store, 'ws-two', T + 30);

  // Forged: the actor changed and the hash recomputed the way the code does it.
  await tamperWithEntry(forged, 1, (entry) => {
    entry.actor = { id: 'user-mallory', name: 'Mallory' };
    entry.hash = hashAuditEntry(entry as unknown as AuditEntry);
  });
  await table.deleteEntity(pruned.workspaceId, auditEntryId(pruned.id, 2));
  await table.deleteEntity(truncated.workspaceId, auditEntryId(truncated.id, 3));
  await table.updateEntity({ partitionKey: garbled.workspaceId, rowKey: auditEntryId(garbled.id, 1), doc0: '{"action":' }, 'Merge');

  const result = await verifyAllRequests(store);

  expect(result.checked).toBe(4);
  const problemsOf = (request: AirlockRequest) => result.broken.find((broken) => broken.requestId === request.id)?.problems;
  expect(problemsOf(forged)).toEqual(['entry 2: previous-hash link broken']);
  expect(problemsOf(pruned)).toEqual(['entry 2 is missing (sequence jumps from 1 to 3)']);
  expect(problemsOf(truncated)).toEqual(["the request's audit head names entry 3 but the log ends at 2"]);
  expect(problemsOf(garbled)).toEqual([expect.stringMatching(/^its audit log cannot be read: .*not valid JSON/)]);
});

test('a request written to while its log is read is read again, not reported', async () => {
  const store = await freshStore();
  const request = await auditedRequest(store, 'ws-one', T);
  let raced = false;
  // Between the listing (head = 3) and the log read, another writer adds entry 4.
  const racing: RequestStore = Object.create(store, {
    listAudit: {
      value: async (workspaceId: string, requestId: string) => {
        if (!raced) {
          raced = true;
          const current = (await store.get(workspaceId, requestId))!;
          await store.replace(withStatus(current, { to: 'in_review', trigger: 'system', actor: alice, now: T + 50 }), [audited('status.changed')]);
        }
        return store.listAudit(workspaceId, requestId);
      },
    },
  });

  const lines: string[] = [];
  expect(await verifyAllRequests(racing, (line) => lines.push(line))).toEqual({ checked: 1, broken: [] });
  expect(raced).toBe(true);
  expect(lines).toEqual([`ok ws-one/${request.id} (4 entries)`]);
});

test('pages through more requests than one page holds', async () => {
  const store = await freshStore();
  const created: string[] = [];
  for (let index = 0; index < 105; index++) {
    const request = newDraftRequest({ id: randomUUID(), workspaceId: `ws-${index % 3}`, type: 'import', title: `r${index}`, businessJustification: 'x', creator: alice, now: T + index });
    created.push((await store.create(request, [audited('request.created')])).id);
  }
  const lines: string[] = [];
  const result = await verifyAllRequests(store, (line) => lines.push(line));
  expect(result).toEqual({ checked: 105, broken: [] });
  expect(lines.map((line) => line.split('/')[1].split(' ')[0])).toEqual(created);
});
