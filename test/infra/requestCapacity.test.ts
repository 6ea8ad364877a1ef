/**
 * The largest request the settings allow must fit the request store: the longest file names, scan
 * details and messages, the most files (AIRLOCK_SETTINGS_LIMITS.maxFiles), three review cycles of
 * the longest reviews, stored through the real Table adapter on Azurite, with the audit entries
 * that list every file in the same transaction.
 */
import { AuditDraft } from '../../src/domain/audit';
import { auditOfChange } from '../../src/domain/auditOfChange';
import { AIRLOCK_SETTINGS_LIMITS } from '../../src/domain/workspace';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';
import { DOCUMENT_CHUNK_LENGTH, MAX_DOCUMENT_CHUNKS } from '../../src/infra/tableDocuments';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { worstCaseRequest } from '../support/worstCaseRequest';

const ACCOUNT = 'airlockstate';
/** Azure Cosmos DB's largest item. */
const COSMOS_MAX_ITEM_BYTES = 2 * 1024 * 1024;

let azurite: RunningAzurite;
let store: TableRequestStore;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { [ACCOUNT]: newAccountKey() } });
  store = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: 'requests' });
});

afterAll(async () => {
  await azurite?.close();
});

test('the largest request the settings allow is stored and read back whole, with its audit entries', async () => {
  const request = worstCaseRequest('ws01');
  expect(request.files).toHaveLength(AIRLOCK_SETTINGS_LIMITS.maxFiles.max);
  const json = JSON.stringify(request);
  // Margin for what grows beyond the model (a fourth review cycle, longer user names): at least 10%.
  expect(json.length).toBeLessThan(0.9 * DOCUMENT_CHUNK_LENGTH * MAX_DOCUMENT_CHUNKS);
  // Cosmos counts UTF-8 bytes: three per character at most, for text that JSON does not escape.
  expect(json.length * 3).toBeLessThan(COSMOS_MAX_ITEM_BYTES);

  // The write that blocks it records the scan report and the status change, each listing every file.
  const { scanReport, statusMessage, ...rest } = request;
  const before = { ...rest, scanReport: [], status: 'submitted' as const, history: request.history.slice(0, -2) };
  const audit: AuditDraft[] = [...auditOfChange({ ...before, etag: undefined }, request)];
  expect(audit.map((draft) => draft.action)).toEqual(expect.arrayContaining(['scan.recorded', 'status.changed']));
  expect(statusMessage).toBeDefined();
  expect(scanReport).toBeDefined();

  const created = await store.create(before, [{ action: 'request.created', actor: request.createdBy, time: request.createdWhen }]);
  const stored = await store.replace({ ...request, etag: created.etag, auditHead: created.auditHead }, audit);
  const read = await store.get('ws01', request.id);
  expect(read).toEqual(stored);
  expect(read?.files).toHaveLength(AIRLOCK_SETTINGS_LIMITS.maxFiles.max);
  expect(read?.scanReport).toHaveLength(2 * AIRLOCK_SETTINGS_LIMITS.maxFiles.max);
  expect(await store.listAudit('ws01', request.id)).toHaveLength(1 + audit.length);
}, 60_000);
