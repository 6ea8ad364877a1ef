/** What the transition table (DESIGN §5) allows to follow a status, read from the domain's own table. */
import { RequestStatus } from '../../src/domain/status';
import { TRANSITIONS } from '../../src/domain/transitions';

/** Every status reachable from `status` by one or more transitions (not `status` itself unless a cycle returns to it). */
export function reachableFrom(status: RequestStatus): Set<RequestStatus> {
  const reached = new Set<RequestStatus>();
  const frontier = [status];
  while (frontier.length) {
    const from = frontier.pop()!;
    for (const transition of TRANSITIONS) {
      if (transition.from === from && !reached.has(transition.to)) {
        reached.add(transition.to);
        frontier.push(transition.to);
      }
    }
  }
  return reached;
}

/** Whether `later` is `earlier` or may legally follow it. */
export function isSameOrSuccessor(earlier: RequestStatus, later: RequestStatus): boolean {
  return earlier === later || reachableFrom(earlier).has(later);
}
