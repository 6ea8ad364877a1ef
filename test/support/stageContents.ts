/**
 * What the local host's stage accounts really hold, read behind the API's back: with the account
 * keys from `<dataDir>/local-host.json` against its embedded Azurite. Only tests that must see
 * what a user cannot (a stray copy left in another stage) use this; everything else goes through
 * the API and SAS links. Containers are found by the request id at the start of their name, so the
 * reading does not depend on how many containers a request has or how the rest of the name goes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Stage, stageAccountFor, storageAccountName } from '../../src/domain/stages';
import { REQUEST_TYPES, RequestType } from '../../src/domain/status';

const STAGES: readonly Stage[] = ['draft', 'in_progress', 'approved', 'rejected', 'blocked'];

/** Where one blob of a request is. */
export interface StagePlace {
  type: RequestType;
  stage: Stage;
  account: string;
  container: string;
  name: string;
}

export interface StoredBlob extends StagePlace {
  sha256: string;
}

/** The banner line `storage      Azurite http://127.0.0.1:<port> ...` names the blob endpoint. */
export function blobOriginOf(bannerOutput: string): string {
  const match = /storage\s+Azurite (http:\/\/\S+)/.exec(bannerOutput);
  if (!match) throw new Error(`no Azurite blob endpoint in the local host's banner:\n${bannerOutput}`);
  return match[1];
}

export class StageContents {
  private readonly accounts: { account: string; type: RequestType; stage: Stage; client: BlobServiceClient }[];

  constructor(dataDir: string, blobOrigin: string, workspaceId: string) {
    const state = JSON.parse(readFileSync(join(dataDir, 'local-host.json'), 'utf8')) as { treId: string; accountKeys: Record<string, string> };
    this.accounts = REQUEST_TYPES.flatMap((type) =>
      STAGES.map((stage) => {
        const account = storageAccountName(stageAccountFor(type, stage), { treId: state.treId, workspaceId });
        const key = state.accountKeys[account];
        if (!key) throw new Error(`local-host.json has no key for the stage account ${account}`);
        const client = new BlobServiceClient(`${blobOrigin}/${account}`, new StorageSharedKeyCredential(account, key));
        return { account, type, stage, client };
      }),
    );
  }

  /**
   * Where the request's blobs are: names only, no bytes, every account listed at once, for a test
   * that polls until the files have settled (`of` downloads every blob to hash it, about ten times
   * the work). What is gone by the time its container is listed is not there.
   */
  async placesOf(requestId: string): Promise<StagePlace[]> {
    const perAccount = await Promise.all(
      this.accounts.map(async ({ account, type, stage, client }) => {
        const found: StagePlace[] = [];
        for await (const container of client.listContainers({ prefix: requestId })) {
          const names = await goneAsUndefined(async () => {
            const listed: string[] = [];
            for await (const blob of client.getContainerClient(container.name).listBlobsFlat()) listed.push(blob.name);
            return listed;
          });
          for (const name of names ?? []) found.push({ type, stage, account, container: container.name, name });
        }
        return found;
      }),
    );
    return perAccount.flat();
  }

  /**
   * Every blob of the request in every stage account, with the SHA-256 of its bytes. The airlock may
   * be moving or deleting them meanwhile: what is gone by the time it is read is not there.
   */
  async of(requestId: string): Promise<StoredBlob[]> {
    const found: StoredBlob[] = [];
    for (const { account, type, stage, client } of this.accounts) {
      for await (const container of client.listContainers({ prefix: requestId })) {
        const containerClient = client.getContainerClient(container.name);
        const names = await goneAsUndefined(async () => {
          const listed: string[] = [];
          for await (const blob of containerClient.listBlobsFlat()) listed.push(blob.name);
          return listed;
        });
        for (const name of names ?? []) {
          const bytes = await goneAsUndefined(() => containerClient.getBlobClient(name).downloadToBuffer());
          if (bytes) found.push({ type, stage, account, container: container.name, name, sha256: createHash('sha256').update(bytes).digest('hex') });
        }
      }
    }
    return found;
  }
}

async function goneAsUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
