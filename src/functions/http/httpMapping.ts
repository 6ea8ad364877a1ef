/**
 * Pure conversions between HTTP and the domain: parsing what arrives, and turning results and
 * errors into responses with DESIGN §8's error shape `{detail}`.
 */
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { DependencyError, isAirlockError, RequestValidationError } from '../../domain/errors';
import { allowedUserActions } from '../../domain/permissions';
import { AirlockRequest } from '../../domain/request';
import { Caller } from '../../domain/roles';
import { errorText } from '../../domain/errorText';
import { isGuid } from '../../domain/guid';


export function requestIdParam(request: HttpRequest): string {
  const id = request.params.requestId ?? '';
  if (!isGuid(id)) throw new RequestValidationError(`requestId '${id.slice(0, 64)}' is not a valid request id (a UUID)`);
  return id.toLowerCase();
}

export function workspaceIdParam(request: HttpRequest): string {
  return request.params.workspaceId ?? '';
}

/** The JSON body, or a 422 that says it is not JSON. An empty body reads as `{}`. */
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestValidationError('body is not valid JSON');
  }
}

export function queryObject(request: HttpRequest): Record<string, string> {
  const query: Record<string, string> = {};
  request.query.forEach((value, key) => {
    query[key] = value;
  });
  return query;
}

/** A review VM of Azure TRE, keyed by its reviewer's user id: never made here (see reviewUserResource). */
export interface ReviewUserResource {
  workspaceId: string;
  workspaceServiceId: string;
  userResourceId: string;
}

/** A request as it goes over the wire, in every response that carries one. */
export type AirlockRequestOnWire = AirlockRequest & { reviewUserResources: Record<string, ReviewUserResource> };

/**
 * The one mapping of a stored request to the wire. `reviewUserResources` is always `{}`: this
 * airlock makes no review VMs, and TRE's portal reads the field as an object (`Object.keys`) when
 * the workspace configures review VMs, so it must never be missing.
 */
export function requestOnWire(request: AirlockRequest): AirlockRequestOnWire {
  return { ...request, reviewUserResources: {} };
}

export interface RequestWithActions {
  airlockRequest: AirlockRequestOnWire;
  allowedUserActions: string[];
}

export function withActions(caller: Caller, request: AirlockRequest): RequestWithActions {
  return { airlockRequest: requestOnWire(request), allowedUserActions: allowedUserActions(caller, request) };
}

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store' } };
}

/** A domain error keeps its status and message; anything else is logged and answered without detail. */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (isAirlockError(error)) {
    // The detail is what the caller may see; the cause (an SDK error, say) is for the operator's log only.
    if (error.httpStatus >= 500) context.warn(`${context.functionName}: ${error.detail}${error.cause === undefined ? '' : ` (cause: ${errorText(error.cause)})`}`);
    return json(error.httpStatus, { detail: error.detail });
  }
  context.error(`${context.functionName} failed`, error);
  return json(500, { detail: 'internal error; the airlock logged the cause' });
}

/** Wraps a handler so that every error becomes a response; functions stay a straight line. */
export function answering<A extends unknown[]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    const context = args[args.length - 1] as InvocationContext;
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

/** The Durable client answers over HTTP; a failure there is a dependency failure, said as such. */
export async function notifyLifecycle(action: () => Promise<void>, what: string): Promise<void> {
  try {
    await action();
  } catch (error) {
    throw new DependencyError(
      `${what} was recorded, but the airlock's workflow could not be notified (${errorText(error)}); try again shortly`,
    );
  }
}
