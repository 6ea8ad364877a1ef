/**
 * The local host as the suite uses it: the built host started as `npm start` runs it (a child
 * process, its own data directory), a researcher and an Airlock Manager with tokens from its issuer,
 * the workspace's settings, and its storage read around the airlock with the account keys (for the
 * raw-copy baselines and to see when a move has deleted its source).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, BlockBlobClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Stage, stageAccountFor, StageAccount, stageContainerName, storageAccountName } from '../../src/domain/stages';
import { RequestType } from '../../src/domain/status';
import { AirlockSettings } from '../../src/domain/workspace';
import { LOCAL_STATE_STORE_FILE } from '../../src/local/localStateStore';
import { AirlockClient, ApiResponse, localCoreToken, localTokens } from '../../test/support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../../test/support/localHostProcess';
import { hostPidOf } from './hostProbe';
import { MiB } from './randomFile';
import { waitUntil } from './timing';

export const WORKSPACE = 'demo';
const RESEARCHER = 'rita';
const MANAGER = 'mona';
const ADMIN = 'ada';
/** The local issuer's tokens live an hour; a phase that runs longer mints new ones. */
const TOKEN_REUSE_MS = 30 * 60_000;
/** Statuses a request does not leave by itself: waiting for another one there is waiting forever. */
const DEAD_ENDS = ['failed', 'blocked_by_scan', 'cancelled', 'rejected'];

export interface StateStoreLocation {
  connectionString: string;
  tableName: string;
}

export class BenchHost {
  readonly api: AirlockClient;
  readonly pid: number;
  private readonly treId: string;
  private readonly accountKeys: Record<string, string>;
  private readonly blobOrigin: string;
  private readonly tokens = new Map<string, { token: Promise<string>; minted: number }>();

  private constructor(readonly localHost: LocalHostProcess) {
    this.api = new AirlockClient(localHost.apiUrl);
    this.pid = hostPidOf(localHost.dataDir);
    const state = JSON.parse(readFileSync(join(localHost.dataDir, 'local-host.json'), 'utf8')) as {
      treId: string;
      accountKeys: Record<string, string>;
      storagePorts?: { blob: number };
    };
    this.treId = state.treId;
    this.accountKeys = state.accountKeys;
    const fromBanner = /storage\s+Azurite (http:\/\/[^\s;,)]+)/.exec(localHost.output())?.[1];
    const blobOrigin = fromBanner ?? (state.storagePorts ? `http://127.0.0.1:${state.storagePorts.blob}` : undefined);
    if (!blobOrigin) throw new Error(`cannot tell where the host's blob storage listens:\n${localHost.output()}`);
    this.blobOrigin = blobOrigin;
  }

  /** Starts a host with its own data directory under `workDir`; `env` adds to the host's environment. */
  static async start(workDir: string, label: string, env: Record<string, string> = {}): Promise<BenchHost> {
    const dataDir = mkdtempSync(join(workDir, `airlock-bench-${label}-`));
    const localHost = await startLocalHostProcess({ dataDir, env }).catch((error: unknown) => {
      // A host that did not say it listens within the time is still running: it is ours to end.
      try {
        process.kill(hostPidOf(dataDir), 'SIGKILL');
      } catch {
        // it had exited
      }
      throw error;
    });
    try {
      return new BenchHost(localHost);
    } catch (error) {
      await localHost.stop();
      throw error;
    }
  }

  /** Stops the host and deletes its data (gigabytes after the large-file phases). */
  async stop(): Promise<void> {
    const code = await this.localHost.stop();
    rmSync(this.localHost.dataDir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`the local host exited with ${code} when stopped:\n${this.localHost.output().slice(-4000)}`);
  }

  researcher(): Promise<string> {
    return this.token(`workspace ${RESEARCHER}`, async () => (await localTokens(this.localHost.dataDir))(WORKSPACE, RESEARCHER, 'WorkspaceResearcher'));
  }

  manager(): Promise<string> {
    return this.token(`workspace ${MANAGER}`, async () => (await localTokens(this.localHost.dataDir))(WORKSPACE, MANAGER, 'AirlockManager'));
  }

  admin(): Promise<string> {
    return this.token(`core ${ADMIN}`, async () => (await localCoreToken(this.localHost.dataDir))(ADMIN, 'TREAdmin'));
  }

  private token(key: string, mint: () => Promise<string>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && Date.now() - cached.minted < TOKEN_REUSE_MS) return cached.token;
    const entry = { token: mint(), minted: Date.now() };
    this.tokens.set(key, entry);
    return entry.token;
  }

  async settings(): Promise<AirlockSettings> {
    const answer = await this.api.call('GET', `/workspaces/${WORKSPACE}/airlock-settings`, await this.admin());
    return expectStatus(answer, 200, 'reading the airlock settings').body.workspace.airlock as AirlockSettings;
  }

  async changeSettings(changes: Partial<AirlockSettings>): Promise<void> {
    const settings = { ...(await this.settings()), ...changes };
    expectStatus(await this.api.call('PUT', `/workspaces/${WORKSPACE}/airlock-settings`, await this.admin(), settings), 200, 'changing the airlock settings');
  }

  /**
   * Random bytes are of no known type: the workspace admits them, as it would a research data format
   * it has no detector for. The content checks still run on every file.
   */
  async admitUnknownContent(changes: Partial<AirlockSettings> = {}): Promise<void> {
    const settings = await this.settings();
    await this.changeSettings({ allowedFileTypes: [...new Set([...settings.allowedFileTypes, 'unknown' as const])], ...changes });
  }

  /** Where the host keeps its request store, as it tells its own tools (`npm run audit:verify`). */
  stateStore(): StateStoreLocation {
    return JSON.parse(readFileSync(join(this.localHost.dataDir, LOCAL_STATE_STORE_FILE), 'utf8')) as StateStoreLocation;
  }

  /** A container of a stage account, reached with the account key (around the airlock). */
  container(account: StageAccount, name: string): ContainerClient {
    const accountName = storageAccountName(account, { treId: this.treId, workspaceId: WORKSPACE });
    const key = this.accountKeys[accountName];
    if (!key) throw new Error(`the host has no storage account ${accountName}`);
    return new BlobServiceClient(`${this.blobOrigin}/${accountName}`, new StorageSharedKeyCredential(accountName, key)).getContainerClient(name);
  }

  /** The container of one request's files in a stage and cycle. */
  requestContainer(type: RequestType, stage: Stage, requestId: string, cycle: number): ContainerClient {
    return this.container(stageAccountFor(type, stage), stageContainerName(requestId, cycle));
  }

  // ---- the API, as the researcher and the manager call it ----

  async createRequest(title: string): Promise<string> {
    const answer = await this.api.call('POST', `/workspaces/${WORKSPACE}/requests`, await this.researcher(), { type: 'import', title, businessJustification: 'npm run bench' });
    return expectStatus(answer, 201, 'creating a request').body.airlockRequest.id as string;
  }

  async draftLink(id: string): Promise<string> {
    return expectStatus(await this.api.call('GET', `/workspaces/${WORKSPACE}/requests/${id}/link`, await this.researcher()), 200, 'the draft link').body.containerUrl as string;
  }

  async submit(id: string): Promise<void> {
    expectStatus(await this.api.call('POST', `/workspaces/${WORKSPACE}/requests/${id}/submit`, await this.researcher()), 200, `submitting ${id}`);
  }

  async review(id: string, body: Record<string, unknown>): Promise<void> {
    expectStatus(await this.api.call('POST', `/workspaces/${WORKSPACE}/requests/${id}/review`, await this.manager(), body), 200, `reviewing ${id}`);
  }

  /** Answers once the files have left the approved stage (200), or after a minute while they still move (202). */
  async revoke(id: string): Promise<void> {
    const answer = await this.api.call('POST', `/workspaces/${WORKSPACE}/requests/${id}/revoke`, await this.manager(), { reason: 'npm run bench' });
    if (answer.status !== 200 && answer.status !== 202) expectStatus(answer, 200, `revoking ${id}`);
  }

  async status(id: string): Promise<string> {
    return expectStatus(await this.api.call('GET', `/workspaces/${WORKSPACE}/requests/${id}`, await this.researcher()), 200, `reading ${id}`).body.airlockRequest.status as string;
  }

  /** Polls the request until it is `status`; a dead end on the way fails at once, with the request's message. */
  async waitForStatus(id: string, status: string, timeoutMs: number): Promise<void> {
    await waitUntil(`${id} to be ${status}`, async () => {
      const answer = await this.api.call('GET', `/workspaces/${WORKSPACE}/requests/${id}`, await this.researcher());
      const request = expectStatus(answer, 200, `reading ${id}`).body.airlockRequest;
      if (request.status !== status && DEAD_ENDS.includes(request.status)) {
        throw new Error(`${id} is ${request.status}, not ${status}: ${request.statusMessage ?? request.progressMessage ?? ''}`);
      }
      return request.status === status;
    }, { timeoutMs });
  }

  /** Waits until a move has deleted its source container: the last thing a move does. */
  async waitForGone(container: ContainerClient, timeoutMs: number): Promise<void> {
    await waitUntil(`${container.containerName} to be deleted`, async () => !(await container.exists()), { timeoutMs });
  }
}

/** Uploads a local file as a researcher does with a container link (blocks of 8 MiB, 4 at a time). */
export async function uploadFileToLink(containerUrl: string, name: string, path: string): Promise<void> {
  const [base, sas] = containerUrl.split('?');
  await new BlockBlobClient(`${base}/${encodeURIComponent(name)}?${sas}`).uploadFile(path, { blockSize: 8 * MiB, concurrency: 4 });
}

/** Uploads a buffer as a researcher does with a container link, in one request. */
export async function uploadBufferToLink(containerUrl: string, name: string, content: Buffer): Promise<void> {
  const [base, sas] = containerUrl.split('?');
  const response = await fetch(`${base}/${encodeURIComponent(name)}?${sas}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: content });
  if (response.status !== 201) throw new Error(`uploading ${name} answered ${response.status}: ${await response.text()}`);
}

/** The answer, when it has `status`; its body is the API's JSON, read untyped as any client reads it. */
export function expectStatus(answer: ApiResponse, status: number, what: string): ApiResponse {
  if (answer.status !== status) throw new Error(`${what}: the API answered ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}
