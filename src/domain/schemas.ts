import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { ValidationError } from './errors';
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

/** A reviewer's decision: Azure TRE's `approval: bool`, or our `decision`, which can also return the request for changes. */
export type ReviewDecisionInput = 'approved' | 'rejected' | 'changes_requested';

export interface ReviewBody {
  decision: ReviewDecisionInput;
  decisionExplanation: string;
}

export interface RevokeBody {
  reason: string;
}

/** Fields a list may be ordered by; anything else is refused rather than passed to a query. */
export const ORDER_BY_FIELDS = ['updatedWhen', 'createdWhen', 'title', 'status', 'type'] as const;
export type OrderByField = (typeof ORDER_BY_FIELDS)[number];

export interface ListQuery {
  type?: RequestType;
  status?: RequestStatus;
  creatorUserId?: string;
  orderBy: OrderByField;
  orderAscending: boolean;
  pageSize: number;
  continuationToken?: string;
}

const createRequestSchema = {
  type: 'object',
  required: ['type', 'title', 'businessJustification'],
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
  required: ['decisionExplanation'],
  properties: {
    approval: { type: 'boolean' },
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
    status: { enum: REQUEST_STATUSES },
    creator_user_id: { type: 'string', minLength: 1, maxLength: 200 },
    order_by: { enum: ORDER_BY_FIELDS },
    order_ascending: { enum: ['true', 'false'] },
    pageSize: { type: 'string', pattern: '^(?:[1-9]|[1-9][0-9]|100)$' },
    continuationToken: { type: 'string', minLength: 1, maxLength: 16384 },
    airlock_manager: { enum: ['true', 'false'] },
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
  throw new ValidationError(describeSchemaError(validate.errors![0], where));
}

export function parseCreateRequest(body: unknown): CreateRequestBody {
  const { type, title, businessJustification } = check(validators.createRequest, body, 'body');
  return { type, title: title.trim(), businessJustification: businessJustification.trim() };
}

export function parseReview(body: unknown): ReviewBody {
  const { approval, decision, decisionExplanation } = check(
    validators.review as ValidateFunction<{ approval?: boolean; decision?: ReviewDecisionInput; decisionExplanation: string }>,
    body,
    'body',
  );
  if ((approval === undefined) === (decision === undefined)) {
    throw new ValidationError('body must have exactly one of approval (true or false) and decision (approved, rejected or changes_requested)');
  }
  const chosen = decision ?? (approval ? 'approved' : 'rejected');
  return { decision: chosen, decisionExplanation: decisionExplanation.trim() };
}

export function parseRevoke(body: unknown): RevokeBody {
  return { reason: check(validators.revoke, body, 'body').reason.trim() };
}

export const DEFAULT_PAGE_SIZE = 50;

export function parseListQuery(query: Record<string, string>): ListQuery & { airlockManager: boolean } {
  const q = check(validators.listQuery, query, 'query');
  return {
    type: q.type as RequestType | undefined,
    status: q.status as RequestStatus | undefined,
    creatorUserId: q.creator_user_id,
    orderBy: (q.order_by as OrderByField | undefined) ?? 'updatedWhen',
    orderAscending: q.order_ascending === undefined ? q.order_by !== undefined : q.order_ascending === 'true',
    pageSize: q.pageSize ? Number(q.pageSize) : DEFAULT_PAGE_SIZE,
    continuationToken: q.continuationToken,
    airlockManager: q.airlock_manager === 'true',
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
  },
  additionalProperties: false,
};

const validateAirlockSettings = ajv.compile<AirlockSettings>(airlockSettingsSchema);

/**
 * The complete settings of a PUT, checked field by field, then against what this deployment can
 * honour (`scanCapacity`: its malware scanner's, undefined when nothing is scanned); the first
 * problem is named in a 400.
 */
export function parseAirlockSettings(body: unknown, scanCapacity?: ScanCapacity): AirlockSettings {
  const settings = check(validateAirlockSettings, body, 'body');
  const beyond = settingBeyondDeployment(settings, scanCapacity, { maxFiles: 'body.maxFiles', maxFileSizeMb: 'body.maxFileSizeMb' });
  if (beyond) throw new ValidationError(beyond);
  return {
    enabled: settings.enabled,
    scanningEnabled: settings.scanningEnabled,
    requiredApprovals: settings.requiredApprovals,
    maxFiles: settings.maxFiles,
    maxFileSizeMb: settings.maxFileSizeMb,
    allowedFileTypes: [...settings.allowedFileTypes],
    requestVisibility: settings.requestVisibility,
    notificationAddresses: [...settings.notificationAddresses],
  };
}
