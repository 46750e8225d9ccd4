import { BehaviorContext } from '../../src/engine/behavior';
import { BehaviorDefinition } from '../../src/engine/catalog';
import { BehaviorInputError } from '../../src/engine/errors';
import { Submission } from '../../src/engine/types';

/** What `test_echo` returns: the class exactly as its thread handed it to the behavior. */
export interface EchoResult {
  students: Submission[];
}

/**
 * Test-only behavior (runner tests load it through behaviorModules): it returns the students it
 * was given, so a test can compare them with the ones it sent, in order and content.
 */
function testEcho(ctx: BehaviorContext<Record<string, never>>): Promise<EchoResult> {
  ctx.progress(40, 'Echoing...');
  ctx.checkpoint();
  return Promise.resolve({ students: [...ctx.students] });
}

const testEchoBehavior: BehaviorDefinition<Record<string, never>, EchoResult> = {
  type: 'test_echo',
  heavy: false,
  outputVariablePrefix: null,
  run: testEcho,
  parseConfig(raw) {
    for (const key of Object.keys(raw)) throw new BehaviorInputError(`${key} should not exist`);
    return {};
  },
};

export const behaviors = [testEchoBehavior as BehaviorDefinition];
