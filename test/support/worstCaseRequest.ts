/**
 * The largest request document the airlock can write: every file of the largest request allowed,
 * with the longest names, the longest scan details and a blocked summary, after several review
 * cycles with the longest explanations. Text is made of '"', which JSON doubles, so each string is
 * as long in the store as it can get.
 */
import { AZURE_BLOCK_LIMITS, blockBytesFor, blockCount, blockDigestsOf } from '../../src/infra/stageStorage';
import { randomUUID } from 'node:crypto';
import { MAX_FILE_NAME_LENGTH } from '../../src/domain/fileNames';
import { AirlockRequest, AirlockReview, HistoryItem } from '../../src/domain/request';
import { UserRef } from '../../src/domain/roles';
import { boundedText, FileScanResult, MAX_SCAN_DETAILS_JSON_LENGTH, MAX_SCAN_SUMMARY_JSON_LENGTH, withScanResult } from '../../src/domain/scan';
import { AIRLOCK_SETTINGS_LIMITS } from '../../src/domain/workspace';

const EPOCH = 4_102_444_800; // 2100-01-01: ten digits, as wide as epoch seconds get this century
const ETAG = '"0x8DC0123456789ABCDEF"';
const SHA256 = 'f'.repeat(64);
/** Token claims are not ours to bound; these are generous. */
const user = (tag: string): UserRef => ({ id: `${tag}-${'0'.repeat(60)}`, name: '"'.repeat(128), email: `${'"'.repeat(128)}@example.org` });

function fileName(index: number): string {
  const suffix = `-${index}.csv`;
  return '"'.repeat(MAX_FILE_NAME_LENGTH - suffix.length) + suffix;
}

export interface WorstCase {
  files?: number;
  reviewCycles?: number;
  requiredApprovals?: number;
}

export function worstCaseRequest(workspaceId: string, options: WorstCase = {}): AirlockRequest {
  const fileCount = options.files ?? AIRLOCK_SETTINGS_LIMITS.maxFiles.max;
  const cycles = options.reviewCycles ?? 3;
  const approvals = options.requiredApprovals ?? AIRLOCK_SETTINGS_LIMITS.requiredApprovals.max;
  const longText = (length: number) => '"'.repeat(length);
  // The largest file a workspace may allow, with the most block digests its move needs.
  const largest = AIRLOCK_SETTINGS_LIMITS.maxFileSizeMb.max * 1024 * 1024;
  const blockBytes = blockBytesFor(largest, AZURE_BLOCK_LIMITS);
  const blocks = blockDigestsOf(blockBytes, Array.from({ length: blockCount(largest, blockBytes) }, () => Buffer.alloc(16, 0xff)));
  const files = Array.from({ length: fileCount }, (_, index) => ({ name: fileName(index), size: Number.MAX_SAFE_INTEGER, sha256: SHA256, etag: ETAG, blocks }));
  let scanReport: FileScanResult[] = [];
  for (const file of files) {
    for (const engine of ['content-checks', 'clamav'] as const) {
      // Through withScanResult, as every activity records entries: that is where details are bounded.
      scanReport = withScanResult(scanReport, {
        name: file.name,
        sha256: SHA256,
        verdict: 'policy_violation',
        engine,
        details: longText(MAX_SCAN_DETAILS_JSON_LENGTH * 4),
        scannedAt: EPOCH,
        etag: ETAG,
      });
    }
  }
  const summary = boundedText(longText(MAX_SCAN_SUMMARY_JSON_LENGTH * 4), MAX_SCAN_SUMMARY_JSON_LENGTH);
  const reviews: AirlockReview[] = [];
  const history: HistoryItem[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    for (let review = 0; review < approvals; review++) {
      reviews.push({
        id: randomUUID(),
        cycle,
        reviewer: user(`reviewer${review}`),
        dateCreated: EPOCH,
        reviewDecision: review === approvals - 1 ? 'changes_requested' : 'approved',
        decisionExplanation: longText(4000),
      });
    }
    // A cycle's status changes: short progress messages, and the reviewer's explanation (changes
    // requested) on the change that returns the request and on the one that follows it.
    for (let change = 0; change < 7; change++) {
      const explained = change >= 5;
      history.push({
        resourceVersion: history.length,
        updatedWhen: EPOCH,
        updatedBy: user('system'),
        properties: {
          previousStatus: 'in_review',
          status: 'changes_requested',
          progressMessage: explained ? `Changes requested: ${longText(4000)}` : `approved by ${change} of ${approvals} reviewers; ${approvals - change} more approvals needed`,
        },
      });
    }
  }
  history.push({ resourceVersion: history.length, updatedWhen: EPOCH, updatedBy: user('system'), properties: { previousStatus: 'submitted', status: 'blocking_in_progress', statusMessage: summary } });
  history.push({ resourceVersion: history.length, updatedWhen: EPOCH, updatedBy: user('system'), properties: { previousStatus: 'blocking_in_progress', status: 'blocked_by_scan', statusMessage: summary } });
  return {
    id: randomUUID(),
    workspaceId,
    type: 'import',
    title: longText(200),
    businessJustification: longText(4000),
    status: 'blocked_by_scan',
    statusMessage: summary,
    reviewUserResources: {},
    files,
    scanReport,
    reviews,
    reviewCycle: cycles,
    createdBy: user('requester'),
    createdWhen: EPOCH,
    updatedBy: user('system'),
    updatedWhen: EPOCH,
    history,
    resourceVersion: 10_000,
    auditHead: { seq: 99_999_999, hash: SHA256 },
  } as AirlockRequest;
}
