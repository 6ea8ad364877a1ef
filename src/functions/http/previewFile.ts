import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { auditOfPreview } from '../../domain/auditOfChange';
import { lastReturnedCycleBefore } from '../../domain/cycleChanges';
import { Delimiter } from '../../domain/delimitedText';
import { epochSeconds } from '../../domain/epochSeconds';
import { ConflictError, NotFoundError, RequestValidationError, ValidationError } from '../../domain/errors';
import { sameEtag } from '../../domain/etag';
import { LinkGrant, linkGrantFor } from '../../domain/permissions';
import {
  checkCursor,
  contentOfShape,
  MAX_ARCHIVE_ENTRIES_LISTED,
  PREVIEW_HEAD_BYTES,
  PreviewAnswer,
  PreviewContent,
  PreviewedFile,
  PreviewShape,
  previewShapeOf,
  rawContentTypeOf,
  TABLE_HEADER_PROBE_BYTES,
  TableHeader,
  tableHeaderOf,
  tablePageOf,
  tableWindowAt,
  textPageOf,
  textWindowAt,
} from '../../domain/preview';
import { parsePreviewQuery, PreviewQuery } from '../../domain/previewQuery';
import { AirlockRequest } from '../../domain/request';
import { Caller, userRefOf } from '../../domain/roles';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { ContainerRef, containerFor, reviewedCopyFor } from '../../infra/stageStorage';
import { lifecycleInputOf, REQUEST_UPDATED_EVENT } from '../lifecycleNames';
import { updateStoredRequest } from '../storedRequest';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';
import { listArchive, PreviewedBlob } from './previewSource';

/**
 * One file of a request shown in the browser, so a reviewer judges it without downloading it: a
 * page of a table or of text, an archive's listing, or an image's or PDF's own bytes (`view=raw`).
 * Whoever may get a read link for the request in its status may preview its files, from the same
 * container the link would open. Every answer is written to the request's audit log before it
 * leaves (who saw which file, which version, which page).
 */
export const previewFile = answering(async (request: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const requestId = requestIdParam(request);
  const query = parsePreviewQuery(request.query);
  const visible = await loadVisibleRequest(deps, caller, workspaceId, requestId);
  const grant = linkGrantFor(caller, visible);
  const earlier = query.cycle !== undefined && query.cycle !== grant.at.cycle;
  const { blob, file } = earlier
    ? await reviewedVersionToPreview(deps, visible, grant, query.cycle!, query.file)
    : await versionToPreview(deps, visible, grant, containerFor(visible, grant.at), query.file);
  const shown: Shown = earlier ? { cycle: query.cycle!, stage: 'reviewed copy' } : { cycle: grant.at.cycle, stage: grant.stage };
  const shape = previewShapeOf(file.name, await blob.bytes(0, PREVIEW_HEAD_BYTES));

  if (query.view === 'raw') {
    const contentType = rawContentTypeOf(shape, file.name);
    if (query.cursor !== 0) throw new RequestValidationError('view=raw serves the whole file; query.cursor pages view=auto only');
    if (file.size > MAX_RAW_PREVIEW_BYTES) {
      throw new ValidationError(
        `'${file.name}' has ${file.size} bytes; a preview shows images and PDFs up to ${MAX_RAW_PREVIEW_BYTES / 1024 / 1024} MiB (the Functions host holds the answer in memory)`,
      );
    }
    const stream = await blob.stream();
    try {
      await recordPreview(deps, caller, visible, grant, file, query, shown);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    await signalWorkflow(client, visible.id, context);
    return { status: 200, body: stream, headers: rawHeaders(contentType, file.name) };
  }

  checkCursor(query.cursor, file, shape);
  const content = await contentOf(blob, shape, query);
  await recordPreview(deps, caller, visible, grant, file, query, shown);
  await signalWorkflow(client, visible.id, context);
  const answer: PreviewAnswer = { file, ...shown, ...content };
  return json(200, answer);
});

/**
 * The file as the preview may show it: in the container, and, where the status has files of
 * record (in review, approved), one of them in the version recorded at submit or by the move that
 * put it there. A draft's files are whatever the requester has uploaded.
 */
async function versionToPreview(
  deps: Dependencies,
  request: AirlockRequest,
  grant: LinkGrant,
  container: ContainerRef,
  name: string,
): Promise<{ blob: PreviewedBlob; file: PreviewedFile }> {
  const listed = (await deps.storage.listFiles(container)).find((candidate) => candidate.name === name);
  if (!listed) throw new NotFoundError(`'${name}' is not among the files of airlock request '${request.id}' in its ${grant.stage} stage`);
  const record = request.files.find((candidate) => candidate.name === name);
  const hasFilesOfRecord = grant.stage !== 'draft';
  if (hasFilesOfRecord && !record) throw new NotFoundError(`'${name}' is not one of the files recorded for airlock request '${request.id}'`);
  if (hasFilesOfRecord && record?.etag && !sameEtag(record.etag, listed.etag)) {
    throw new ConflictError(`'${name}' in the ${grant.stage} stage is not the version recorded for this request; it is not shown`);
  }
  // The recorded hash names these bytes only if they are the recorded version; a draft may have been replaced since.
  const isRecordedVersion = record !== undefined && (hasFilesOfRecord || (record.etag !== undefined && sameEtag(record.etag, listed.etag)));
  const sha256 = isRecordedVersion ? record.sha256 : undefined;
  const etag = hasFilesOfRecord && record?.etag ? record.etag : listed.etag;
  return {
    blob: new PreviewedBlob(deps.storage, container, name, listed.size, etag),
    file: sha256 ? { name, size: listed.size, sha256 } : { name, size: listed.size },
  };
}

/** Where a preview reads from, as the answer and the audit entry name it. */
interface Shown {
  cycle: number;
  stage: string;
}

/**
 * The Functions host buffers an HTTP answer (the app does not enable HTTP streams, and the local
 * host's stand-in reads the body whole), so raw previews are bounded; tables and text page instead.
 */
export const MAX_RAW_PREVIEW_BYTES = 64 * 1024 * 1024;

/**
 * A file of the submission last returned for changes, from its reviewed copy, for the reviewers of
 * the submission after it to compare: only while that copy is kept (until this review ends), only
 * for those who may read the files under review now, and only the files that review recorded.
 */
async function reviewedVersionToPreview(
  deps: Dependencies,
  request: AirlockRequest,
  grant: LinkGrant,
  cycle: number,
  name: string,
): Promise<{ blob: PreviewedBlob; file: PreviewedFile }> {
  const returned = grant.stage === 'in_progress' ? lastReturnedCycleBefore(await deps.store.listAudit(request.workspaceId, request.id), grant.at.cycle) : undefined;
  if (!returned || returned.cycle !== cycle) {
    throw new NotFoundError(`Airlock request '${request.id}' has no reviewed copy of cycle ${cycle}; its files are those of cycle ${grant.at.cycle}`);
  }
  const record = returned.files.find((candidate) => candidate.name === name);
  const container = reviewedCopyFor(request, cycle);
  const listed = record && (await deps.storage.listFiles(container)).find((candidate) => candidate.name === name);
  if (!record || !listed) throw new NotFoundError(`'${name}' is not among the files of airlock request '${request.id}' as reviewed in cycle ${cycle}`);
  return {
    blob: new PreviewedBlob(deps.storage, container, name, listed.size, listed.etag),
    file: record.sha256 ? { name, size: listed.size, sha256: record.sha256 } : { name, size: listed.size },
  };
}

async function contentOf(blob: PreviewedBlob, shape: PreviewShape, query: PreviewQuery): Promise<PreviewContent> {
  const { size } = blob;
  switch (shape.kind) {
    case 'text': {
      const window = textWindowAt(query.cursor, size);
      return textPageOf(await blob.bytes(window.offset, window.count), { cursor: query.cursor, size, format: shape.format });
    }
    case 'table': {
      const window = tableWindowAt(query.cursor, size);
      const bytes = await blob.bytes(window.offset, window.count);
      const at = { size, delimiter: shape.delimiter };
      const header = query.cursor === 0 ? tableHeaderOf(bytes, at)! : await tableHeaderFromStart(blob, at);
      return tablePageOf(bytes, { ...at, cursor: query.cursor, rows: query.rows, header });
    }
    case 'archive': {
      const listing = await listArchive(blob, MAX_ARCHIVE_ENTRIES_LISTED);
      return 'unreadable' in listing ? { kind: 'binary', binary: { reason: `the file starts as a zip but cannot be read as one: ${listing.unreadable}` } } : { kind: 'archive', archive: listing };
    }
    default:
      return contentOfShape(shape)!;
  }
}

/** The header of a page after the first: a short read first, a long one only for a long header row. */
async function tableHeaderFromStart(blob: PreviewedBlob, at: { size: number; delimiter: Delimiter }): Promise<TableHeader> {
  const probed = tableHeaderOf(await blob.bytes(0, TABLE_HEADER_PROBE_BYTES), at);
  if (probed) return probed;
  return tableHeaderOf(await blob.bytes(0, tableWindowAt(0, at.size).count), at)!;
}

/**
 * The preview in the audit log, against the request as it is at the moment of writing: the caller
 * must still be allowed, and the files still where they were read from.
 */
async function recordPreview(deps: Dependencies, caller: Caller, request: AirlockRequest, grant: LinkGrant, file: PreviewedFile, query: PreviewQuery, where: Shown): Promise<void> {
  const shown = { ...where, view: query.view, cursor: query.cursor };
  await updateStoredRequest(
    deps,
    lifecycleInputOf(request),
    (current) => {
      const now = linkGrantFor(caller, current);
      if (now.at.stage !== grant.at.stage || now.at.cycle !== grant.at.cycle) {
        throw new ValidationError(`Airlock request's files moved to the ${now.stage} stage while '${file.name}' was being read, please try again`);
      }
      return current;
    },
    { audit: () => [auditOfPreview(userRefOf(caller), epochSeconds(deps.now()), file, shown)] },
  );
}

/** The entry is in the audit log already; this only lets the workflow publish it as an event now rather than at its next step. */
async function signalWorkflow(client: df.DurableClient, requestId: string, context: InvocationContext): Promise<void> {
  await client.raiseEvent(requestId, REQUEST_UPDATED_EVENT, { filePreviewed: true }).catch((error: Error) => context.warn(`preview event not signalled: ${error.message}`));
}

/**
 * The file's own bytes, for the browser to show and never to run: no type sniffing, no caching, and
 * a sandbox that forbids scripts, forms and every request the content might make.
 */
function rawHeaders(contentType: string, name: string): Record<string, string> {
  const baseName = name.slice(name.lastIndexOf('/') + 1);
  return {
    'content-type': contentType,
    'content-disposition': `inline; filename*=UTF-8''${encodeRfc5987(baseName)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-security-policy': "sandbox; default-src 'none'",
  };
}

/** RFC 5987's attr-char: what encodeURIComponent leaves alone, minus the few it allows that the header may not carry. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

df.app.client.http('previewFile', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/preview',
  handler: previewFile,
});
