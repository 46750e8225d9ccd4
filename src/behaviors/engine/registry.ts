import { BehaviorFn } from './behavior';
import { BehaviorFailure } from './errors';
import { groupAssignment } from './group-assignment/group-assignment';
import { randomGrouping } from './random-grouping';
import { testSleep } from './test-sleep';
import { themeCreator } from './theme-creator/theme-creator';
import { BehaviorType } from './types';

type Registry = { [T in BehaviorType]: BehaviorFn<T> };

const REGISTRY: Registry = {
  group_assignment: groupAssignment,
  theme_creator: themeCreator,
  random_grouping: randomGrouping,
  test_sleep: testSleep,
};

export interface RegistrySettings {
  enableTestBehaviors: boolean;
}

/** The function behind a type; test-only behaviors exist only where tests switched them on. */
export function behaviorFunction(
  type: BehaviorType,
  settings: RegistrySettings,
): BehaviorFn<BehaviorType> {
  if (type === 'test_sleep' && !settings.enableTestBehaviors) {
    throw new BehaviorFailure('input', 'Behavior type test_sleep is not enabled');
  }
  return REGISTRY[type] as BehaviorFn<BehaviorType>;
}
