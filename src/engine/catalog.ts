import { BehaviorContext } from './behavior';
import { BehaviorInputError } from './errors';
import { groupAssignment } from './grouping/group-assignment';
import { randomGrouping } from './random-grouping';
import { themeCreator } from './themes/theme-creator';
import { BehaviorConfigs, BehaviorResults, BehaviorType } from './types';

/** Where a successful run is saved for later pages: `group_{n}` or `theme_{n}`, or nowhere. */
export type OutputVariablePrefix = 'group' | 'theme' | null;

/**
 * Everything the service knows about one behavior type. The shipped ones are below; more can be
 * registered at start-up from modules named in BEHAVIOR_MODULES (each exports `behaviors`, a
 * list of these), in the API process and in every runner thread alike.
 */
export interface BehaviorDefinition<C = unknown, R = unknown> {
  type: string;
  /** Names the old platform stored; accepted on input and saved under `type`. */
  legacyNames?: readonly string[];
  /** Heavy behaviors run on the queue unless the caller asks for a synchronous run. */
  heavy: boolean;
  outputVariablePrefix: OutputVariablePrefix;
  run(ctx: BehaviorContext<C>): Promise<R>;
  /**
   * Checks a config from a request and fills in defaults. The shipped behaviors leave this out:
   * their configs are checked by the HTTP layer's DTO classes, which also document them.
   * Throws BehaviorInputError naming the field.
   */
  parseConfig?(raw: Record<string, unknown>): C;
}

type ShippedDefinitions = {
  [T in BehaviorType]: BehaviorDefinition<BehaviorConfigs[T], BehaviorResults[T]>;
};

const SHIPPED: ShippedDefinitions = {
  group_assignment: {
    type: 'group_assignment',
    legacyNames: ['group'],
    heavy: true,
    outputVariablePrefix: 'group',
    run: groupAssignment,
  },
  theme_creator: {
    type: 'theme_creator',
    legacyNames: ['themeCreator'],
    heavy: true,
    outputVariablePrefix: 'theme',
    run: themeCreator,
  },
  random_grouping: {
    type: 'random_grouping',
    heavy: false,
    outputVariablePrefix: 'group',
    run: randomGrouping,
  },
};

const registered = new Map<string, BehaviorDefinition>(
  Object.values(SHIPPED).map((d) => [d.type, d as BehaviorDefinition]),
);
const aliases = new Map<string, string>();
for (const d of registered.values())
  for (const name of d.legacyNames ?? []) aliases.set(name, d.type);

export function isShippedType(type: string): type is BehaviorType {
  return Object.prototype.hasOwnProperty.call(SHIPPED, type);
}

/** Adds behaviors at start-up; a name that is already taken is a programming error. */
export function registerBehaviors(definitions: readonly BehaviorDefinition[]): void {
  for (const d of definitions) {
    // The same module loaded again (a second app in one process) registers the same objects.
    if (registered.get(d.type) === d) continue;
    if (registered.has(d.type) || aliases.has(d.type))
      throw new Error(`Behavior type ${d.type} is registered twice`);
    if (typeof d.parseConfig !== 'function')
      throw new Error(`Behavior type ${d.type} needs a parseConfig function`);
    registered.set(d.type, d);
    for (const name of d.legacyNames ?? []) aliases.set(name, d.type);
  }
}

/**
 * Loads each module's `behaviors` export and registers it. Paths come from the operator's
 * configuration, never from a request.
 */
export function loadBehaviorModules(paths: readonly string[]): void {
  for (const path of paths) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as { behaviors?: readonly BehaviorDefinition[] };
    if (!Array.isArray(mod.behaviors))
      throw new Error(`Behavior module ${path} does not export a list named behaviors`);
    registerBehaviors(mod.behaviors);
  }
}

/** The definition of a stored type name; unknown names are a failed run, not a crash. */
export function behaviorDefinition(type: string): BehaviorDefinition {
  const d = registered.get(type);
  if (d === undefined) throw new BehaviorInputError(`Behavior type ${type} is not available here`);
  return d;
}

/** Maps a type name (current or legacy) to its canonical type, or undefined when unknown. */
export function canonicalBehaviorType(name: string): string | undefined {
  if (registered.has(name)) return name;
  return aliases.get(name);
}

export function behaviorTypeNames(): string[] {
  return [...registered.keys(), ...aliases.keys()];
}
