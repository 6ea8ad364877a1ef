/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions Node worker injects into
 * the app. `@azure/functions` calls `registerFunction(metadata, handler)` on it for every `app.*`
 * and `df.app.*` registration; capturing those calls gives the local host the same functions, with
 * the same bindings, that Azure would run. This rests on the worker ↔ library contract, which is why
 * `@azure/functions` is pinned exactly.
 */
import Module from 'node:module';

export interface Binding {
  type: string;
  direction: 'in' | 'out' | 'inout';
  name?: string;
  [key: string]: unknown;
}

export interface Registration {
  name: string;
  bindings: Record<string, Binding>;
  // Each trigger passes its own arguments (a request, an event, a timer, an orchestration context); the
  // caller that picks a registration by its binding knows which, so no one parameter type fits them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (...args: any[]) => unknown;
}

export const registrations = new Map<string, Registration>();

export const functionsCoreApi = {
  version: '4.0.0-airlock-local',
  hostVersion: '4.0.0-airlock-local',
  setProgrammingModel(_model: unknown): void {},
  getProgrammingModel(): undefined {
    return undefined;
  },
  registerFunction(metadata: { name: string; bindings: Record<string, Binding> }, handler: Registration['handler']) {
    registrations.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, handler });
    return { dispose: () => registrations.delete(metadata.name) };
  },
  registerHook(_name: string, _callback: unknown) {
    return { dispose() {} };
  },
  log(level: string, category: string, message: string): void {
    if (level === 'error' || level === 'warning' || level === 'critical') console.error(`[${category}:${level}] ${message}`);
  },
};

/** Plain Node: answer `require('@azure/functions-core')` the way the worker does. (jest uses jest.mock.) */
export function installFunctionsCore(): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return functionsCoreApi;
    return original.call(this, request, ...rest);
  };
}

/** The trigger binding of a registration (httpTrigger, orchestrationTrigger, activityTrigger, eventGridTrigger...). */
export function triggerOf(registration: Registration): Binding {
  const trigger = Object.values(registration.bindings).find((binding) => /Trigger$/.test(binding.type));
  if (!trigger) throw new Error(`function ${registration.name} has no trigger binding`);
  return trigger;
}
