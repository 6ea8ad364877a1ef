import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { ValidationError } from './errors';
import { REQUEST_STATUSES, REQUEST_TYPES, RequestStatus, RequestType } from './status';

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false });

const NOT_BLANK = '\\S';
const nonEmptyText = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: NOT_BLANK }) as const;

export interface CreateRequestBody {
  type: RequestType;
  title: string;
  businessJustification: string;
}

export interface ReviewBody {
  approval: boolean;
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
  required: ['approval', 'decisionExplanation'],
  properties: { approval: { type: 'boolean' }, decisionExplanation: nonEmptyText(4000) },
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
  review: ajv.compile<ReviewBody>(reviewSchema),
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
      return `${field} must be ${error.params.type === 'object' ? 'a JSON object' : `a ${error.params.type}`}`;
    default:
      return `${field} ${error.message ?? 'is not valid'}`;
  }
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
  const { approval, decisionExplanation } = check(validators.review, body, 'body');
  return { approval, decisionExplanation: decisionExplanation.trim() };
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
