/**
 * Builds the InvocationContext a captured function receives, the way the Functions worker would:
 * the trigger and the extra bindings come from the registration's own metadata, so code that looks
 * at `context.options` (durable-functions' `getClient` does) finds what it would find in Azure.
 */
import { FunctionInput, FunctionOutput, FunctionTrigger, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { Registration, triggerOf } from './functionsCore';
import { LocalLog, logHandlerFor } from './localLog';

const RETURN_BINDING = '$return';

export function createInvocationContext(registration: Registration, log: LocalLog): InvocationContext {
  const trigger = triggerOf(registration);
  const bindings = Object.entries(registration.bindings).map(([name, binding]) => ({ ...binding, name: binding.name ?? name }));
  const extraInputs = bindings.filter((binding) => binding.direction === 'in' && binding.name !== trigger.name);
  const extraOutputs = bindings.filter((binding) => binding.direction === 'out' && binding.name !== RETURN_BINDING);
  const returnBinding = bindings.find((binding) => binding.name === RETURN_BINDING);
  return new InvocationContext({
    functionName: registration.name,
    invocationId: randomUUID(),
    logHandler: logHandlerFor(log, registration.name),
    options: {
      trigger: { ...trigger, name: trigger.name ?? 'trigger' } as FunctionTrigger,
      extraInputs: extraInputs as FunctionInput[],
      extraOutputs: extraOutputs as FunctionOutput[],
      return: returnBinding as FunctionOutput | undefined,
    },
  });
}
