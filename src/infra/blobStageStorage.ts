/**
 * StageStorage on Azure Blob Storage: account keys on Azurite and in tests, managed identity with
 * user-delegation SAS in Azure. This is the only module that knows the storage SDK.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import {
  BlobClient,
  BlobGetPropertiesResponse,
  BlobHTTPHeaders,
  BlobSASPermissions,
  BlockBlobClient,
  BlobSASSignatureValues,
  BlobServiceClient,
  ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  isRestError,
  SASProtocol,
  StorageRetryOptions,
  StorageSharedKeyCredential,
  UserDelegationKey,
} from '@azure/storage-blob';
import { ConfigError } from '../config';
import { AirlockError, ConflictError, DependencyError, IntegrityError, InvariantError, NotFoundError, ValidationError } from '../domain/errors';
import { quotedEtag } from '../domain/etag';
import { unaddressableBlobName } from '../domain/fileNames';
import { CORE_ACCOUNTS, storageAccountName } from '../domain/stages';
import {
  AZURE_BLOCK_LIMITS,
  blockBytesFor,
  BlockDigests,
  blockDigestsOf,
  BlockLimits,
  blockRanges,
  ByteRange,
  ContainerRef,
  CopyOptions,
  digestedBlocksOf,
  FileContent,
  forEachBounded,
  HashedFile,
  HashOptions,
  StageStorage,
  StoredFile,
} from './stageStorage';
import { errorText } from '../domain/errorText';

export type BlobStageStorageAuth =
  /** real account name → base64 key (Azurite, tests) */
  | { kind: 'account-key'; keys: Record<string, string> }
  /** Azure: RBAC on the accounts, SAS signed with user-delegation keys */
  | { kind: 'managed-identity'; credential: TokenCredential };

export interface BlobStageStorageOptions {
  /** Suffix of the core accounts' names. */
  treId: string;
  /** e.g. 'https://{account}.blob.core.windows.net' or 'http://127.0.0.1:10000/{account}' */
  endpointTemplate: string;
  auth: BlobStageStorageAuth;
  /**
   * Largest blob copied with one Copy Blob From URL; bigger ones are copied block by block (Put Block
   * From URL, then Put Block List). Defaults to Azure's limit (256 MiB). Azurite does not enforce
   * the limit, so tests lower it (and `minBlockBytes`) to reach the block path without huge files.
   */
  syncCopyMaxBytes?: number;
  /** Smallest block of a block-by-block copy; defaults to 8 MiB. */
  minBlockBytes?: number;
  /** Blocks of one file copied at once; defaults to 8. */
  blockCopyConcurrency?: number;
  /** How the storage SDK tries a failed call again; tests shorten the waits so they never wait in real time. */
  retry?: StorageRetryOptions;
}

/** Provenance key on every copied blob; it is what makes a repeated copy a no-op. */
export const SOURCE_ETAG_METADATA_KEY = 'airlock_source_etag';

const DEFAULT_BLOCK_COPY_CONCURRENCY = 8;
/** SAS start times lie this far in the past, so a storage clock slightly behind ours still accepts them. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The copy source SAS only has to outlive the requests that make the copy (every block's read). */
const COPY_SOURCE_SAS_LIFETIME_MS = 15 * 60_000;
const COPY_POLL_INTERVAL_MS = 2_000;
const PING_TIMEOUT_MS = 10_000;
/** Azure refuses user-delegation keys valid for longer than seven days. */
const MAX_DELEGATION_KEY_LIFETIME_MS = 7 * 24 * 3_600_000 - CLOCK_SKEW_MS;
const DELEGATION_KEY_LIFETIME_MS = 24 * 3_600_000;
/** A cached delegation key is replaced this long before it expires, so no SAS is signed with a dying key. */
const DELEGATION_KEY_REFRESH_MARGIN_MS = 10 * 60_000;

/**
 * The SDK's defaults back off for up to two minutes; a dead endpoint should surface within seconds
 * (activities and health checks have their own retries), while throttling still gets a few tries.
 */
const DEFAULT_RETRY: StorageRetryOptions = { maxTries: 4, retryDelayInMs: 1_000, maxRetryDelayInMs: 15_000 };

interface LocatedContainer {
  accountName: string;
  client: ContainerClient;
  /** For messages: `stalimexmytre/<request id>` */
  label: string;
}

/** One server-side copy: what every call that makes it carries. */
interface ServerSideCopy {
  sourceUrl: string;
  /** Every call is conditional on it, so the copy is of this version or is not made. */
  sourceEtag: string;
  metadata: Record<string, string>;
  /** The source's content headers, which a block-by-block copy must set itself. */
  headers: BlobHTTPHeaders;
}

/** One block to copy: its bytes in the source and, for a verified copy, the MD5 they must have. */
interface CopyBlock {
  range: Required<ByteRange>;
  md5?: Buffer;
}

/**
 * The generated operation behind BlockBlobClient.stageBlockFromURL. The client's wrapper drops the
 * source conditions that Put Block From URL accepts (x-ms-source-if-match), and without them a
 * block could come from another version of the source; the generated operation passes them.
 */
interface GeneratedPutBlockFromUrl {
  stageBlockFromURL(
    blockId: string,
    contentLength: number,
    sourceUrl: string,
    options: { sourceRange: string; sourceContentMD5?: Uint8Array; sourceModifiedAccessConditions: { sourceIfMatch: string } },
  ): Promise<unknown>;
}

interface CachedDelegationKey {
  expiresOn: Date;
  key: Promise<UserDelegationKey>;
}

export class BlobStageStorage implements StageStorage {
  private readonly serviceClients = new Map<string, BlobServiceClient>();
  private readonly delegationKeys = new Map<string, CachedDelegationKey>();
  private readonly httpsOnly: boolean;
  private readonly blockLimits: BlockLimits;
  private readonly blockCopyConcurrency: number;

  constructor(private readonly options: BlobStageStorageOptions) {
    if (!options.endpointTemplate.includes('{account}')) {
      throw new ConfigError([`endpointTemplate "${options.endpointTemplate}" has no {account} placeholder`]);
    }
    this.httpsOnly = options.endpointTemplate.startsWith('https:');
    this.blockLimits = {
      ...AZURE_BLOCK_LIMITS,
      singleCallMaxBytes: options.syncCopyMaxBytes ?? AZURE_BLOCK_LIMITS.singleCallMaxBytes,
      minBlockBytes: options.minBlockBytes ?? AZURE_BLOCK_LIMITS.minBlockBytes,
    };
    this.blockCopyConcurrency = options.blockCopyConcurrency ?? DEFAULT_BLOCK_COPY_CONCURRENCY;
  }

  async ensureContainer(ref: ContainerRef): Promise<void> {
    const container = this.locate(ref);
    // No `access` option: the container stays private; only SAS holders and the airlock reach it.
    await this.guard(container.accountName, () => container.client.createIfNotExists());
  }

  async listFiles(ref: ContainerRef): Promise<StoredFile[]> {
    const container = this.locate(ref);
    return this.guard(container.accountName, async () => {
      const files: StoredFile[] = [];
      try {
        for await (const blob of container.client.listBlobsFlat()) {
          files.push({ name: blob.name, size: blob.properties.contentLength ?? 0, etag: quotedEtag(blob.properties.etag) });
        }
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
      return files;
    });
  }

  async hashFile(ref: ContainerRef, name: string, options: HashOptions = {}): Promise<HashedFile> {
    const container = this.locate(ref);
    const blob = blobOf(container, name);
    const conditions = options.etag === undefined ? undefined : { ifMatch: quotedEtag(options.etag) };
    return this.guard(container.accountName, async () => {
      // The SDK resumes a broken download with If-Match on the first etag, so the hash is of one version.
      const download = await this.orNotFound(blob.download(0, undefined, { maxRetryRequests: 5, conditions }), name, container).catch((error) => {
        if (statusOf(error) === 412) throw new ConflictError(`${name} in ${container.label} is no longer the version ${options.etag}`);
        throw error;
      });
      const body = download.readableStreamBody;
      if (!body) throw new DependencyError(`download of ${name} from ${container.label} returned no body`);
      const hash = createHash('sha256');
      const expectedSize = download.contentLength ?? 0;
      const blocks = options.blockDigests ? new BlockHasher(blockBytesFor(expectedSize, this.blockLimits)) : undefined;
      let size = 0;
      for await (const chunk of body) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        blocks?.update(bytes);
        size += bytes.length;
        if (options.tee) await options.tee(bytes);
      }
      if (size !== download.contentLength) {
        throw new DependencyError(`download of ${name} from ${container.label} ended after ${size} of ${download.contentLength} bytes`);
      }
      const hashed: HashedFile = { name, size, etag: quotedEtag(download.etag), sha256: hash.digest('hex') };
      return blocks ? { ...hashed, blocks: blocks.digests() } : hashed;
    });
  }

  async readFile(ref: ContainerRef, name: string, range: ByteRange = { offset: 0 }): Promise<FileContent> {
    const container = this.locate(ref);
    const blob = blobOf(container, name);
    return this.guard(container.accountName, async () => {
      const download = await this.orNotFound(blob.download(range.offset, range.count, { maxRetryRequests: 5 }), name, container);
      const stream = download.readableStreamBody;
      if (!stream) throw new DependencyError(`download of ${name} from ${container.label} returned no body`);
      const size = download.contentRange ? Number(download.contentRange.split('/')[1]) : (download.contentLength ?? 0);
      return { stream, size, etag: quotedEtag(download.etag) };
    });
  }

  async copyFile(from: ContainerRef, to: ContainerRef, name: string, options: CopyOptions = {}): Promise<StoredFile> {
    const source = this.locate(from);
    const destination = this.locate(to);
    const sourceBlob = blobOf(source, name);
    const destinationBlob = blobOf(destination, name);
    const expectedEtag = options.sourceEtag === undefined ? undefined : quotedEtag(options.sourceEtag);

    // A retried move may find its source already deleted, so the destination is consulted first.
    if (expectedEtag) {
      const done = await this.finishedCopy(destination, destinationBlob, expectedEtag);
      if (done) return done;
    }
    const sourceProperties = await this.guard(source.accountName, () =>
      this.orNotFound(sourceBlob.getProperties(), name, source),
    );
    const sourceEtag = quotedEtag(sourceProperties.etag);
    if (expectedEtag && sourceEtag !== expectedEtag) throw sourceChanged(name, source, destination);
    if (!expectedEtag) {
      const done = await this.finishedCopy(destination, destinationBlob, sourceEtag);
      if (done) return done;
    }
    const size = sourceProperties.contentLength ?? 0;
    const blocks = this.copyBlocks(name, size, options.blocks);

    await this.ensureContainer(to);
    const copy: ServerSideCopy = {
      sourceUrl: await this.readOnlyUrl(source.accountName, sourceBlob),
      sourceEtag,
      // The provenance names the version the copy was made of, so it can never describe another.
      metadata: { ...options.metadata, [SOURCE_ETAG_METADATA_KEY]: sourceEtag },
      headers: contentHeadersOf(sourceProperties),
    };
    try {
      const etag = await this.guard(destination.accountName, () =>
        blocks.length === 1 && size <= this.blockLimits.singleCallMaxBytes
          ? this.copyInOneCall(destinationBlob, copy, blocks[0])
          : this.copyBlockByBlock(destinationBlob.getBlockBlobClient(), copy, blocks),
      );
      return { name, size, etag: etag ? quotedEtag(etag) : (await this.describe(destination, destinationBlob)).etag };
    } catch (error) {
      if (isSourceConditionFailure(error)) throw sourceChanged(name, source, destination);
      if (error instanceof BlockMismatch) throw contentNotAsRecorded(name, source, destination, error.range);
      if (isDigestMismatch(error)) throw contentNotAsRecorded(name, source, destination);
      if (isCopySourceFailure(error)) throw copySourceUnreadable(name, source, destination, error);
      if (error instanceof AirlockError) throw error;
      // e.g. storage timing out; the next try copies again (an uncommitted block list is replaced)
      throw new DependencyError(`copy of ${name} from ${source.label} to ${destination.label} failed: ${firstLine(error)}`, { cause: error });
    }
  }

  async deleteFile(ref: ContainerRef, name: string, options: { etag?: string } = {}): Promise<void> {
    const container = this.locate(ref);
    const conditions = options.etag === undefined ? undefined : { ifMatch: quotedEtag(options.etag) };
    try {
      await this.guard(container.accountName, () => blobOf(container, name).deleteIfExists({ conditions }));
    } catch (error) {
      if (statusOf(error) === 412) {
        throw new ConflictError(`${name} in ${container.label} changed since it was read (etag ${options.etag}); not deleted`);
      }
      // A blob in a container that is already gone is as deleted as it gets.
      if (statusOf(error) === 404) return;
      throw error;
    }
  }

  async deleteContainer(ref: ContainerRef): Promise<void> {
    const container = this.locate(ref);
    await this.guard(container.accountName, () => container.client.deleteIfExists());
  }

  async containerUrl(ref: ContainerRef, permissions: string, expiresOn: Date): Promise<string> {
    if (!permissions) throw new InvariantError('a container SAS needs at least one permission letter');
    const container = this.locate(ref);
    const sas = await this.sign(container.accountName, {
      containerName: container.client.containerName,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn: new Date(Date.now() - CLOCK_SKEW_MS),
      expiresOn,
      protocol: this.sasProtocol(),
    });
    return `${container.client.url}?${sas}`;
  }

  async ping(): Promise<void> {
    // Core account names do not depend on a workspace.
    const accountName = storageAccountName(CORE_ACCOUNTS[0], { treId: this.options.treId, workspaceId: '' });
    const client = this.serviceClient(accountName);
    await this.guard(accountName, () =>
      client.listContainers({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) }).byPage({ maxPageSize: 1 }).next(),
    );
  }

  private locate(ref: ContainerRef): LocatedContainer {
    const accountName = storageAccountName(ref.account, { treId: this.options.treId, workspaceId: ref.workspaceId });
    const client = this.serviceClient(accountName).getContainerClient(ref.container);
    return { accountName, client, label: `${accountName}/${ref.container}` };
  }

  private serviceClient(accountName: string): BlobServiceClient {
    let client = this.serviceClients.get(accountName);
    if (!client) {
      const endpoint = this.options.endpointTemplate.replace('{account}', accountName);
      client = new BlobServiceClient(endpoint, this.clientCredential(accountName), { retryOptions: this.options.retry ?? DEFAULT_RETRY });
      this.serviceClients.set(accountName, client);
    }
    return client;
  }

  private clientCredential(accountName: string): StorageSharedKeyCredential | TokenCredential {
    const auth = this.options.auth;
    return auth.kind === 'managed-identity' ? auth.credential : this.sharedKey(auth.keys, accountName);
  }

  private sharedKey(keys: Record<string, string>, accountName: string): StorageSharedKeyCredential {
    const key = keys[accountName];
    // As a refused key is (explainFailure): the deployment's storage settings, for an operator to fix.
    if (!key) throw new DependencyError(`no account key configured for stage storage ${accountName}`);
    return new StorageSharedKeyCredential(accountName, key);
  }

  /**
   * The blocks a copy is made of: the recorded ones, each with the MD5 the storage service must find,
   * or, for a copy nothing was recorded for, the file cut as `hashFile` would cut it.
   */
  private copyBlocks(name: string, size: number, recorded: BlockDigests | undefined): CopyBlock[] {
    if (recorded) return digestedBlocksOf(name, size, recorded);
    return blockRanges(size, blockBytesFor(size, this.blockLimits)).map((range) => ({ range }));
  }

  /** Copy Blob From URL: the service checks the whole content against the one MD5 as it arrives. */
  private async copyInOneCall(destination: BlobClient, copy: ServerSideCopy, block: CopyBlock): Promise<string | undefined> {
    const response = await destination.syncCopyFromURL(copy.sourceUrl, {
      metadata: copy.metadata,
      sourceConditions: { ifMatch: copy.sourceEtag },
      sourceContentMD5: block.md5,
    });
    return response.etag;
  }

  /**
   * Put Block From URL for every block, a bounded number at once, each conditional on the source
   * version and checked against its MD5 by the service; then Put Block List commits them in order
   * with the provenance, in one write. A failed try leaves only uncommitted blocks, which the next
   * try's blocks of the same ids replace.
   */
  private async copyBlockByBlock(destination: BlockBlobClient, copy: ServerSideCopy, blocks: CopyBlock[]): Promise<string | undefined> {
    const generated = (destination as unknown as { blockBlobContext?: Partial<GeneratedPutBlockFromUrl> }).blockBlobContext;
    if (typeof generated?.stageBlockFromURL !== 'function') {
      throw new InvariantError('@azure/storage-blob no longer exposes Put Block From URL with source conditions (BlockBlobClient.blockBlobContext); check the SDK upgrade');
    }
    const putBlockFromUrl = generated.stageBlockFromURL.bind(generated);
    const ids = blocks.map((_, index) => blockIdOf(index));
    await forEachBounded(blocks, this.blockCopyConcurrency, async (block, index) => {
      const { offset, count } = block.range;
      try {
        await putBlockFromUrl(ids[index], 0, copy.sourceUrl, {
          sourceRange: `bytes=${offset}-${offset + count - 1}`,
          sourceContentMD5: block.md5,
          sourceModifiedAccessConditions: { sourceIfMatch: copy.sourceEtag },
        });
      } catch (error) {
        if (isDigestMismatch(error)) throw new BlockMismatch(block.range, error);
        throw error;
      }
    });
    const committed = await destination.commitBlockList(ids, { metadata: copy.metadata, blobHTTPHeaders: copy.headers });
    return committed.etag;
  }

  /** The destination's metadata proves an earlier copy of exactly this source version; reuse it. */
  private async finishedCopy(destination: LocatedContainer, blob: BlobClient, sourceEtag: string): Promise<StoredFile | undefined> {
    const properties = await this.guard(destination.accountName, async () => {
      try {
        return await this.settledProperties(blob);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    if (properties?.metadata?.[SOURCE_ETAG_METADATA_KEY] !== sourceEtag) return undefined;
    // A failed or aborted earlier copy leaves a blob with our metadata but not the bytes.
    if (properties.copyStatus !== undefined && properties.copyStatus !== 'success') return undefined;
    return { name: blob.name, size: properties.contentLength ?? 0, etag: quotedEtag(properties.etag) };
  }

  /** Properties once any asynchronous copy into the blob has ended (one an earlier version of the airlock started). */
  private async settledProperties(blob: BlobClient) {
    for (;;) {
      const properties = await blob.getProperties();
      if (properties.copyStatus !== 'pending') return properties;
      await new Promise((resolve) => setTimeout(resolve, COPY_POLL_INTERVAL_MS));
    }
  }

  private async describe(container: LocatedContainer, blob: BlobClient): Promise<StoredFile> {
    const properties = await this.guard(container.accountName, () => blob.getProperties());
    return { name: blob.name, size: properties.contentLength ?? 0, etag: quotedEtag(properties.etag) };
  }

  private async readOnlyUrl(accountName: string, blob: BlobClient): Promise<string> {
    const now = Date.now();
    const sas = await this.sign(accountName, {
      containerName: blob.containerName,
      blobName: blob.name,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now - CLOCK_SKEW_MS),
      expiresOn: new Date(now + COPY_SOURCE_SAS_LIFETIME_MS),
      protocol: this.sasProtocol(),
    });
    return `${blob.url}?${sas}`;
  }

  private sasProtocol(): SASProtocol {
    return this.httpsOnly ? SASProtocol.Https : SASProtocol.HttpsAndHttp;
  }

  private async sign(accountName: string, values: BlobSASSignatureValues & { expiresOn: Date }): Promise<string> {
    const auth = this.options.auth;
    if (auth.kind === 'account-key') {
      return generateBlobSASQueryParameters(values, this.sharedKey(auth.keys, accountName)).toString();
    }
    const key = await this.delegationKey(accountName, values.expiresOn);
    return generateBlobSASQueryParameters(values, key, accountName).toString();
  }

  /** One key per account, shared by all SAS it can outlive; concurrent callers share one request. */
  private async delegationKey(accountName: string, neededUntil: Date): Promise<UserDelegationKey> {
    const cached = this.delegationKeys.get(accountName);
    if (cached && cached.expiresOn.getTime() - DELEGATION_KEY_REFRESH_MARGIN_MS >= neededUntil.getTime()) {
      return cached.key;
    }
    const now = Date.now();
    const lastAllowed = now + MAX_DELEGATION_KEY_LIFETIME_MS;
    const wanted = Math.max(now + DELEGATION_KEY_LIFETIME_MS, neededUntil.getTime() + DELEGATION_KEY_REFRESH_MARGIN_MS);
    if (neededUntil.getTime() > lastAllowed) {
      throw new InvariantError(`a user-delegation SAS cannot be valid beyond seven days (asked until ${neededUntil.toISOString()})`);
    }
    const expiresOn = new Date(Math.min(wanted, lastAllowed));
    const client = this.serviceClient(accountName);
    const key = this.guard(accountName, () => client.getUserDelegationKey(new Date(now - CLOCK_SKEW_MS), expiresOn));
    const entry: CachedDelegationKey = { expiresOn, key };
    this.delegationKeys.set(accountName, entry);
    key.catch(() => {
      if (this.delegationKeys.get(accountName) === entry) this.delegationKeys.delete(accountName);
    });
    return key;
  }

  private async orNotFound<T>(operation: Promise<T>, name: string, container: LocatedContainer): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`file ${name} not found in ${container.label}`);
      throw error;
    }
  }

  /** Turns the SDK's transport and auth failures into errors that say what to check. */
  private async guard<T>(accountName: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw explainFailure(accountName, error);
    }
  }
}

/**
 * The client of exactly the blob `name`, never another: the SDK builds blob URLs that URL parsing
 * resolves (`a/../b` is `b`), so a name that does not survive that is refused here, and the URL
 * built is checked to name the same blob.
 */
function blobOf(container: LocatedContainer, name: string): BlobClient {
  const problem = unaddressableBlobName(name);
  if (problem) throw new ValidationError(`file ${JSON.stringify(name)} in ${container.label} cannot be addressed exactly: ${problem}`);
  const blob = container.client.getBlobClient(name);
  const containerPath = new URL(container.client.url).pathname;
  const blobPath = new URL(blob.url).pathname;
  if (!blobPath.startsWith(`${containerPath}/`) || decodeURIComponent(blobPath.slice(containerPath.length + 1)) !== name) {
    throw new ValidationError(`file ${JSON.stringify(name)} in ${container.label} cannot be addressed exactly by a URL`);
  }
  return blob;
}

function explainFailure(accountName: string, error: unknown): unknown {
  if (error instanceof AirlockError) return error;
  const message = firstLine(error);
  if (isTimeout(error)) return new DependencyError(`stage storage ${accountName} unreachable: no answer within ${PING_TIMEOUT_MS / 1000} s`);
  if (isRestError(error) && error.statusCode === undefined) {
    return new DependencyError(`stage storage ${accountName} unreachable: ${error.code ?? message}`);
  }
  if ((statusOf(error) === 401 || statusOf(error) === 403) && !isCopySourceFailure(error)) {
    return new DependencyError(
      `stage storage ${accountName} refused the airlock (${errorCodeOf(error) ?? statusOf(error)}): check its account key, ` +
        `or the managed identity's roles on it (Storage Blob Data Contributor) and its network rules`,
    );
  }
  if (isCredentialFailure(error)) {
    return new DependencyError(`stage storage ${accountName}: the managed identity got no token: ${message}`);
  }
  return error;
}

/**
 * MD5 of each consecutive block of a stream, fed as the bytes arrive (chunks need not align with
 * blocks), so the digests come from the same read as the SHA-256.
 */
class BlockHasher {
  private readonly md5: Buffer[] = [];
  private current = createHash('md5');
  private inCurrent = 0;

  constructor(private readonly blockBytes: number) {}

  update(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.blockBytes - this.inCurrent, bytes.length - offset);
      this.current.update(bytes.subarray(offset, offset + take));
      this.inCurrent += take;
      offset += take;
      if (this.inCurrent === this.blockBytes) {
        this.md5.push(this.current.digest());
        this.current = createHash('md5');
        this.inCurrent = 0;
      }
    }
  }

  digests(): BlockDigests {
    // An empty file still has one digest, and a last partial block has its own.
    const md5 = this.inCurrent > 0 || this.md5.length === 0 ? [...this.md5, this.current.digest()] : this.md5;
    return blockDigestsOf(this.blockBytes, md5);
  }
}

/** Put Block From URL found a block whose bytes do not have the MD5 asked for. */
class BlockMismatch extends Error {
  constructor(
    readonly range: Required<ByteRange>,
    cause: unknown,
  ) {
    super(`bytes ${range.offset}+${range.count} do not have their recorded MD5`, { cause });
  }
}

/** Block ids of one blob must all have the same length; five digits cover Azure's 50,000 blocks. */
function blockIdOf(index: number): string {
  return Buffer.from(`airlock-block-${String(index).padStart(5, '0')}`).toString('base64');
}

/** Copy Blob From URL copies these with the bytes; a block list must be given them. */
function contentHeadersOf(properties: BlobGetPropertiesResponse): BlobHTTPHeaders {
  return {
    blobContentType: properties.contentType,
    blobContentEncoding: properties.contentEncoding,
    blobContentLanguage: properties.contentLanguage,
    blobContentDisposition: properties.contentDisposition,
    blobCacheControl: properties.cacheControl,
  };
}

function sourceChanged(name: string, source: LocatedContainer, destination: LocatedContainer): ConflictError {
  return new ConflictError(
    `${name} in ${source.label} changed since it was checked; not copied to ${destination.label}`,
  );
}

/**
 * The storage service read other bytes than the ones digested when the file was hashed, under the
 * same version: the source is corrupt (or the record is), and the copy was not made.
 */
function contentNotAsRecorded(name: string, source: LocatedContainer, destination: LocatedContainer, block?: Required<ByteRange>): IntegrityError {
  const where = block ? `its bytes from ${block.offset} (${block.count} bytes)` : 'its content';
  return new IntegrityError(
    `file '${name}' in ${source.label} is not what was hashed: the storage service found ${where} differ from the MD5 recorded with its SHA-256; not copied to ${destination.label}`,
  );
}

function copySourceUnreadable(name: string, source: LocatedContainer, destination: LocatedContainer, error: unknown): Error {
  const details = copySourceDetails(error);
  const reason = [details.copySourceStatusCode, details.copySourceErrorCode].filter(Boolean).join(' ') || errorCodeOf(error);
  return new DependencyError(`${destination.accountName} could not read ${name} from ${source.label} to copy it (${reason})`);
}

/** Storage messages append request ids and times on further lines. */
function firstLine(error: unknown): string {
  return errorText(error).split('\n')[0];
}

interface CopySourceDetails {
  errorCode?: string;
  copySourceStatusCode?: number;
  copySourceErrorCode?: string;
}

function copySourceDetails(error: unknown): CopySourceDetails {
  const details = isRestError(error) ? error.details : undefined;
  return typeof details === 'object' && details !== null ? (details as CopySourceDetails) : {};
}

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

/** A HEAD answer has no body, so its code comes only from the x-ms-error-code header (in `details`). */
function errorCodeOf(error: unknown): string | undefined {
  return copySourceDetails(error).errorCode ?? (isRestError(error) ? error.code : undefined);
}

function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

function isSourceConditionFailure(error: unknown): boolean {
  const code = errorCodeOf(error);
  return (
    statusOf(error) === 412 ||
    code === 'SourceConditionNotMet' ||
    copySourceDetails(error).copySourceStatusCode === 412
  );
}

/** The service's answer when the bytes it read do not have the MD5 (or CRC64) the request carried. */
function isDigestMismatch(error: unknown): boolean {
  const code = errorCodeOf(error);
  return statusOf(error) === 400 && (code === 'Md5Mismatch' || code === 'Crc64Mismatch');
}

function isCopySourceFailure(error: unknown): boolean {
  return errorCodeOf(error) === 'CannotVerifyCopySource' || copySourceDetails(error).copySourceStatusCode !== undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function isCredentialFailure(error: unknown): boolean {
  return (
    error instanceof Error &&
    ['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError'].includes(error.name)
  );
}
