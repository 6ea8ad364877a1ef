import { LifecycleInput } from '../lifecycleNames';

/** The lifecycle input in the shape `containerFor` takes. */
export function requestOf(input: LifecycleInput): { id: string; workspaceId: string; type: LifecycleInput['type'] } {
  return { id: input.requestId, workspaceId: input.workspaceId, type: input.type };
}
