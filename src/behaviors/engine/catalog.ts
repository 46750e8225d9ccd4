import { BEHAVIOR_TYPES, BehaviorType } from './types';

export interface BehaviorTypeInfo {
  type: BehaviorType;
  /** Heavy behaviors run on the queue unless the caller asks for a synchronous run. */
  heavy: boolean;
  /** Kept out of the public catalog unless test behaviors are switched on. */
  testOnly: boolean;
  /** What a successful run is saved as, for later pages: `group_{n}` or `theme_{n}`. */
  outputVariablePrefix: 'group' | 'theme' | null;
}

const INFO: Record<BehaviorType, BehaviorTypeInfo> = {
  group_assignment: {
    type: 'group_assignment',
    heavy: true,
    testOnly: false,
    outputVariablePrefix: 'group',
  },
  theme_creator: {
    type: 'theme_creator',
    heavy: true,
    testOnly: false,
    outputVariablePrefix: 'theme',
  },
  random_grouping: {
    type: 'random_grouping',
    heavy: false,
    testOnly: false,
    outputVariablePrefix: 'group',
  },
  test_sleep: { type: 'test_sleep', heavy: true, testOnly: true, outputVariablePrefix: null },
};

/** Names the old platform stored; accepted on input and saved under the new name. */
const LEGACY_NAMES: Record<string, BehaviorType> = {
  group: 'group_assignment',
  themeCreator: 'theme_creator',
};

export function behaviorInfo(type: BehaviorType): BehaviorTypeInfo {
  return INFO[type];
}

/** Maps a type name (new or legacy) to its canonical type, or undefined when unknown. */
export function canonicalBehaviorType(
  name: string,
  allowTestTypes: boolean,
): BehaviorType | undefined {
  const type = (BEHAVIOR_TYPES as readonly string[]).includes(name)
    ? (name as BehaviorType)
    : LEGACY_NAMES[name];
  if (type === undefined) return undefined;
  if (INFO[type].testOnly && !allowTestTypes) return undefined;
  return type;
}

export function publicBehaviorTypeNames(allowTestTypes: boolean): string[] {
  const names = BEHAVIOR_TYPES.filter((t) => allowTestTypes || !INFO[t].testOnly);
  return [...names, ...Object.keys(LEGACY_NAMES)];
}
