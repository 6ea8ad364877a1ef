import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { RequestValidationError } from './errors';
import { REQUEST_STATUSES, REQUEST_TYPES, RequestStatus, RequestType } from './status';
import { ScanCapacity } from './scanCapacity';
import { AIRLOCK_SETTINGS_LIMITS, AirlockSettings, ALLOWABLE_FILE_TYPES, REQUEST_VISIBILITIES, SETTING_FIELDS, settingBeyondDeployment } from './workspace';

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false });

const NOT_BLANK = '\\S';
const nonEmptyText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: NOT_BLANK }) as const;

export interface CreateRequestBody {
  type: RequestType;
  title: string;
  businessJustification: string;
}

/**
 * What a request is given when the body leaves a field out: Azure TRE's defaults (its create schema,
 * whose justification really is the plural "Business Justifications"), so a TRE client that omits
 * them (TRE's own e2e tests send no title) gets the request TRE would have made.
 */
export const CREATE_DEFAULTS = { title: 'Airlock Request', businessJustification: 'Business Justifications' } as const;

/** A reviewer's decision: Azure TRE's `approval: bool`, or our `decision`, which can also return the request for changes. */
export type ReviewDecisionInput = 'approved' | 'rejected' | 'changes_requested';

export interface ReviewBody {
  decision: ReviewDecisionInput;
  decisionExplanation: string;
}

/** Azure TRE's default when a review gives no explanation. */
export const DEFAULT_DECISION_EXPLANATION = 'Decision Explanation';

/**
 * The forms of `approval` Azure TRE accepts (pydantic's lax bool), compared in lower case; the JSON
 * numbers 1 and 0 are accepted too. TRE's own e2e tests send the string "True".
 */
const APPROVAL_TEXTS: ReadonlyMap<string, boolean> = new Map([
  ...['true', 't', 'yes', 'y', 'on', '1'].map((text) => [text, true] as const),
  ...['false', 'f', 'no', 'n', 'off', '0'].map((text) => [text, false] as const),
]);
const APPROVAL_FORMS = 'a JSON boolean (true or false), one of the strings "true"/"false", "t"/"f", "yes"/"no", "y"/"n", "on"/"off", "1"/"0" (in any letter case), or the number 1 or 0';

export interface RevokeBody {
  reason: string;
}

/** Fields a list may be ordered by; anything else is refused rather than passed to a query. */
export const ORDER_BY_FIELDS = ['updatedWhen', 'createdWhen', 'title', 'status', 'type'] as const;
export type OrderByField = (typeof ORDER_BY_FIELDS)[number];

/**
 * Other names `order_by` accepts for a field: the portal's "Created" column sends the key
 * `createdTime`, which names no field (tre-facts §1.6, §1.11); it means `createdWhen`.
 */
export const ORDER_BY_ALIASES: Readonly<Record<string, OrderByField>> = { createdTime: 'createdWhen' };

/** Other names `status` accepts: the portal's status enum says `blocked` where the API says `blocked_by_scan` (tre-facts §1.1). */
export const STATUS_ALIASES: Readonly<Record<string, RequestStatus>> = { blocked: 'blocked_by_scan' };

/**
 * The most requests one list response holds. Neither the portal nor the `tre` CLI follows a
 * continuation token (tre-facts §1.6, §2.3), so a list without `pageSize` answers everything up to
 * this many, and the continuation token only beyond it. Bounded because each request document is a
 * few kilobytes (up to hundreds with many files and reviews): 1000 keeps a response to a few MB, a
 * Table store page to one index range and its point reads, and a Cosmos query to a handful of its
 * 4 MB pages.
 */
export const LIST_PAGE_CAP = 1000;

export interface ListQuery {
  type?: RequestType;
  status?: RequestStatus;
  creatorUserId?: string;
  orderBy: OrderByField;
  orderAscending: boolean;
  pageSize: number;
  continuationToken?: string;
}

// Unknown fields stay refused (Azure TRE ignores them): with title and justification optional, a
// misspelt key would otherwise pass silently and leave the request with a placeholder justification.
const createRequestSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: REQUEST_TYPES },
    title: nonEmptyText(200),
    businessJustification: nonEmptyText(4000),
    // Azure TRE accepts and drops `properties`; the portal may send it.
    properties: { type: 'object' },
  },
  additionalProperties: false,
};

const reviewSchema = {
  type: 'object',
  properties: {
    // Any JSON value here: parseReview reads TRE's lax forms and names them when it refuses one.
    approval: {},
    decision: { enum: ['approved', 'rejected', 'changes_requested'] },
    decisionExplanation: nonEmptyText(4000),
  },
  additionalProperties: false,
};

const revokeSchema = {
  type: 'object',
  required: ['reason'],
  properties: { reason: nonEmptyText(4000) },
  additionalProperties: false,
};

/** Query strings arrive as text: the schema checks the text, `parseListQuery` converts it. */
const listQuerySchema = {
  type: 'object',
  properties: {
    type: { enum: REQUEST_TYPES },
    status: { enum: [...REQUEST_STATUSES, ...Object.keys(STATUS_ALIASES)] },
    creator_user_id: { type: 'string', minLength: 1, maxLength: 200 },
    order_by: { enum: [...ORDER_BY_FIELDS, ...Object.keys(ORDER_BY_ALIASES)] },
    order_ascending: { enum: ['true', 'false'] },
    // 1 to LIST_PAGE_CAP (1000)
    pageSize: { type: 'string', pattern: '^(?:[1-9][0-9]{0,2}|1000)$' },
    continuationToken: { type: 'string', minLength: 1, maxLength: 16384 },
    airlock_manager: { enum: ['true', 'false'] },
    awaiting_my_review: { enum: ['true', 'false'] },
  },
  additionalProperties: false,
};

const validators = {
  createRequest: ajv.compile<CreateRequestBody>(createRequestSchema),
  review: ajv.compile(reviewSchema),
  revoke: ajv.compile<RevokeBody>(revokeSchema),
  listQuery: ajv.compile<Record<string, string>>(listQuerySchema),
};

/** One sentence naming the field and what is wrong with it. */
export function describeSchemaError(error: ErrorObject, where: string): string {
  const field = error.instancePath ? `${where}${error.instancePath.replace(/\//g, '.')}` : where;
  switch (error.keyword) {
    case 'required':
      return `${where}.${error.params.missingProperty} is required`;
    case 'additionalProperties':
      return `${where}.${error.params.additionalProperty} is not a known field`;
    case 'enum':
      return `${field} must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`;
    case 'minLength':
      return error.params.limit === 1 ? `${field} must not be empty` : `${field} must be at least ${error.params.limit} characters`;
    case 'pattern':
      return error.params.pattern === NOT_BLANK ? `${field} must not be empty` : `${field} is not valid`;
    case 'maxLength':
      return `${field} must be at most ${error.params.limit} characters`;
    case 'type':
      return `${field} must be ${error.params.type === 'object' ? 'a JSON object' : withArticle(error.params.type as string)}`;
    case 'minimum':
      return `${field} must be at least ${error.params.limit}`;
    case 'maximum':
      return `${field} must be at most ${error.params.limit}`;
    case 'minItems':
      return error.params.limit === 1 ? `${field} must not be empty` : `${field} must list at least ${error.params.limit} values`;
    case 'maxItems':
      return `${field} must list at most ${error.params.limit} values`;
    case 'uniqueItems':
      return `${field} must not list the same value twice`;
    default:
      return `${field} ${error.message ?? 'is not valid'}`;
  }
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function check<T>(validate: ValidateFunction<T>, data: unknown, where: string): T {
  if (validate(data)) return data;
  throw new RequestValidationError(describeSchemaError(validate.errors![0], where));
}

/** A create body; `title` and `businessJustification` may be left out (CREATE_DEFAULTS), never blank. */
export function parseCreateRequest(body: unknown): CreateRequestBody {
  const { type, title, businessJustification } = check(
    validators.createRequest as ValidateFunction<{ type: RequestType; title?: string; businessJustification?: string }>,
    body,
    'body',
  );
  return {
    type,
    title: title?.trim() ?? CREATE_DEFAULTS.title,
    businessJustification: businessJustification?.trim() ?? CREATE_DEFAULTS.businessJustification,
  };
}

/**
 * A review: Azure TRE's `approval` (in any form TRE accepts) or our `decision`, exactly one of them.
 * The explanation may be left out, as in TRE, except when asking for changes: the requester has to
 * be told what to change.
 */
export function parseReview(body: unknown): ReviewBody {
  const { approval, decision, decisionExplanation } = check(
    validators.review as ValidateFunction<{ approval?: unknown; decision?: ReviewDecisionInput; decisionExplanation?: string }>,
    body,
    'body',
  );
  if ((approval === undefined) === (decision === undefined)) {
    throw new RequestValidationError('body must have exactly one of approval (true or false) and decision (approved, rejected or changes_requested)');
  }
  const chosen = decision ?? (approvalOf(approval) ? 'approved' : 'rejected');
  if (chosen === 'changes_requested' && decisionExplanation === undefined) {
    throw new RequestValidationError('body.decisionExplanation is required when requesting changes: it tells the requester what to change');
  }
  return { decision: chosen, decisionExplanation: decisionExplanation?.trim() ?? DEFAULT_DECISION_EXPLANATION };
}

function approvalOf(approval: unknown): boolean {
  if (typeof approval === 'boolean') return approval;
  if (approval === 1 || approval === 0) return approval === 1;
  const text = typeof approval === 'string' ? APPROVAL_TEXTS.get(approval.toLowerCase()) : undefined;
  if (text === undefined) throw new RequestValidationError(`body.approval must be ${APPROVAL_FORMS}`);
  return text;
}

export function parseRevoke(body: unknown): RevokeBody {
  return { reason: check(validators.revoke, body, 'body').reason.trim() };
}

/** A list query, with the two views of `GET /api/requests`. */
export interface ParsedListQuery extends ListQuery {
  /** `airlock_manager=true`: every request of the workspaces the caller manages, not only their own. */
  airlockManager: boolean;
  /** `awaiting_my_review=true`: only the requests the caller may review now (implies the manager view, status in_review). */
  awaitingMyReview: boolean;
}

/**
 * The list query string: filters, order and page. Without `pageSize` a list answers everything up
 * to LIST_PAGE_CAP. Aliases are resolved here, so the stores see field and status names only.
 */
export function parseListQuery(query: Record<string, string>): ParsedListQuery {
  const q = check(validators.listQuery, query, 'query');
  const status = q.status === undefined ? undefined : (STATUS_ALIASES[q.status] ?? (q.status as RequestStatus));
  const awaitingMyReview = q.awaiting_my_review === 'true';
  if (awaitingMyReview && status !== undefined && status !== 'in_review') {
    throw new RequestValidationError(`query.awaiting_my_review lists requests in review only; drop query.status or set it to in_review (got '${q.status}')`);
  }
  return {
    type: q.type as RequestType | undefined,
    status: awaitingMyReview ? 'in_review' : status,
    creatorUserId: q.creator_user_id,
    orderBy: q.order_by === undefined ? 'updatedWhen' : (ORDER_BY_ALIASES[q.order_by] ?? (q.order_by as OrderByField)),
    orderAscending: q.order_ascending === undefined ? q.order_by !== undefined : q.order_ascending === 'true',
    pageSize: q.pageSize ? Number(q.pageSize) : LIST_PAGE_CAP,
    continuationToken: q.continuationToken,
    airlockManager: q.airlock_manager === 'true' || awaitingMyReview,
    awaitingMyReview,
  };
}

// ---- workspace airlock settings ----

/** Deliberately simple: one @, no spaces, a dot in the domain. Delivery is the real test of an address. */
const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';
const MAX_NOTIFICATION_ADDRESSES = 50;

const integerWithin = ({ min, max }: { min: number; max: number }) => ({ type: 'integer', minimum: min, maximum: max }) as const;

/** A PUT replaces the settings whole: every field is required, so nothing is changed by omission. */
const airlockSettingsSchema = {
  type: 'object',
  required: [...SETTING_FIELDS],
  properties: {
    enabled: { type: 'boolean' },
    scanningEnabled: { type: 'boolean' },
    requiredApprovals: integerWithin(AIRLOCK_SETTINGS_LIMITS.requiredApprovals),
    // Its maximum is checked after the schema, with a message that says why (settingBeyondDeployment).
    maxFiles: { type: 'integer', minimum: AIRLOCK_SETTINGS_LIMITS.maxFiles.min },
    maxFileSizeMb: integerWithin(AIRLOCK_SETTINGS_LIMITS.maxFileSizeMb),
    // An empty allow-list would block every file with a puzzling reason; `enabled: false` says it plainly.
    allowedFileTypes: { type: 'array', items: { enum: ALLOWABLE_FILE_TYPES }, minItems: 1, uniqueItems: true },
    requestVisibility: { enum: REQUEST_VISIBILITIES },
    notificationAddresses: {
      type: 'array',
      items: { type: 'string', maxLength: 254, pattern: EMAIL_PATTERN },
      maxItems: MAX_NOTIFICATION_ADDRESSES,
      uniqueItems: true,
    },
    rehashOnApproval: { type: 'boolean' },
  },
  additionalProperties: false,
};

const validateAirlockSettings = ajv.compile<AirlockSettings>(airlockSettingsSchema);

/**
 * The complete settings of a PUT, checked field by field, then against what this deployment can
 * honour (`scanCapacity`: its malware scanner's, undefined when nothing is scanned); the first
 * problem is named in a 422.
 */
export function parseAirlockSettings(body: unknown, scanCapacity?: ScanCapacity): AirlockSettings {
  const settings = check(validateAirlockSettings, body, 'body');
  const beyond = settingBeyondDeployment(settings, scanCapacity, { maxFiles: 'body.maxFiles', maxFileSizeMb: 'body.maxFileSizeMb' });
  if (beyond) throw new RequestValidationError(beyond);
  return {
    enabled: settings.enabled,
    scanningEnabled: settings.scanningEnabled,
    requiredApprovals: settings.requiredApprovals,
    maxFiles: settings.maxFiles,
    maxFileSizeMb: settings.maxFileSizeMb,
    allowedFileTypes: [...settings.allowedFileTypes],
    requestVisibility: settings.requestVisibility,
    notificationAddresses: [...settings.notificationAddresses],
    rehashOnApproval: settings.rehashOnApproval,
  };
}
