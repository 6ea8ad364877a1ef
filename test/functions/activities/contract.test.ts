/**
 * The orchestrator calls activities only through the descriptors in activities/contract.ts; these
 * tests hold the registrations to the same descriptors, so a call cannot name an activity the app
 * does not register, nor hand one an input of another shape.
 */
import '../../../src/index';
import { checkContent } from '../../../src/functions/activities/checkContent';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from '../../../src/functions/activities/contract';
import { StageInput } from '../../../src/functions/activities/provisionContainer';
import { registrations, triggerOf } from '../../../src/local/functionsCore';

test('every activity the orchestrator can call is registered by the app under its descriptor\'s name', () => {
  const registered = Object.values(ACTIVITIES).map((activity) => [activity.name, registrations.get(activity.name) && triggerOf(registrations.get(activity.name)!).type]);
  expect(registered).toEqual(Object.values(ACTIVITIES).map((activity) => [activity.name, 'activityTrigger']));
});

/**
 * Never run: the compiler checks it when `npm test` builds. Each line must stay an error; if the
 * contract stopped refusing it, the unused `@ts-expect-error` would fail the build.
 */
export function shapesTheCompilerRefuses(): void {
  // @ts-expect-error a content-check handler cannot be registered as the move
  registerActivity(ACTIVITIES.moveFiles, checkContent);
  // @ts-expect-error a move is told where the files are and where they go, not one stage
  const move: ActivityHandlerOf<typeof ACTIVITIES.moveFiles> = async (input: StageInput) => ({ moved: input.at.cycle });
  // @ts-expect-error a scan answers with its outcome, not a count
  const scan: ActivityHandlerOf<typeof ACTIVITIES.requestScan> = async () => ({ moved: 1 });
  void [move, scan];
}
