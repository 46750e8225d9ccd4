import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { InvalidInputError } from '../common/errors';
import { describeValidationErrors } from '../common/validation';
import {
  GroupAssignmentConfigDto,
  RandomGroupingConfigDto,
  ThemeCreatorConfigDto,
} from './dto/behavior-config.dto';
import {
  behaviorDefinition,
  behaviorTypeNames,
  canonicalBehaviorType,
  isShippedType,
} from '../engine/catalog';
import { BehaviorFailure } from '../engine/errors';
import { BehaviorType, isRecord } from '../engine/types';
import { DeploymentBehavior } from './deployment.types';

/** The shipped behaviors' configs are checked (and documented) by these DTO classes. */
const CONFIG_CLASSES: Record<BehaviorType, new () => object> = {
  group_assignment: GroupAssignmentConfigDto,
  theme_creator: ThemeCreatorConfigDto,
  random_grouping: RandomGroupingConfigDto,
};

/**
 * Validates `{"1": {type, config}, ...}` and returns it with canonical type names and every
 * config default filled in. Errors name the exact field, e.g. `behaviors.2.config.group_size`.
 */
export function parseBehaviorDefinitions(raw: unknown): Record<string, DeploymentBehavior> {
  if (!isRecord(raw)) {
    throw new InvalidInputError('behaviors must be an object keyed by behavior number', [
      'behaviors',
    ]);
  }
  const out: Record<string, DeploymentBehavior> = {};
  const entries = Object.entries(raw);
  if (entries.length > 100)
    throw new InvalidInputError('behaviors may hold at most 100 entries', ['behaviors']);
  for (const [number, value] of entries) {
    const path = `behaviors.${number}`;
    if (!/^[1-9][0-9]{0,3}$/.test(number)) {
      throw new InvalidInputError(
        `${path}: behavior numbers are positive integers written as strings ("1", "2", ...)`,
        [path],
      );
    }
    if (!isRecord(value))
      throw new InvalidInputError(`${path} must be an object {type, config}`, [path]);
    const extra = Object.keys(value).filter((k) => k !== 'type' && k !== 'config');
    if (extra.length > 0) {
      throw new InvalidInputError(
        `${path}.${extra[0]} should not exist`,
        extra.map((k) => `${path}.${k}`),
      );
    }
    const typeName = value.type;
    const type = typeof typeName === 'string' ? canonicalBehaviorType(typeName) : undefined;
    if (type === undefined) {
      throw new InvalidInputError(
        `${path}.type must be one of ${behaviorTypeNames().join(', ')} (got ${JSON.stringify(typeName)})`,
        [`${path}.type`],
      );
    }
    out[number] = { type, config: parseBehaviorConfig(type, value.config, `${path}.config`) };
  }
  return out;
}

export function parseBehaviorConfig(type: string, raw: unknown, path: string): unknown {
  const input = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(input)) throw new InvalidInputError(`${path} must be an object`, [path]);
  if (!isShippedType(type)) return parseRegisteredConfig(type, input, path);
  const instance = plainToInstance(CONFIG_CLASSES[type], input, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const lines = describeValidationErrors(errors, path);
    throw new InvalidInputError(lines.map((l) => l.text).join('; '), [
      ...new Set(lines.map((l) => l.field)),
    ]);
  }
  const config = { ...instance };
  if (type === 'group_assignment') {
    const g = config as GroupAssignmentConfigDto;
    if (g.group_size_mode === 'students_per_group' && g.group_size < 2) {
      throw new InvalidInputError(
        `${path}.group_size must be at least 2 when group_size_mode is students_per_group`,
        [`${path}.group_size`],
      );
    }
  }
  return config;
}

/** A behavior registered at start-up checks its own config; its message names the field. */
function parseRegisteredConfig(
  type: string,
  input: Record<string, unknown>,
  path: string,
): unknown {
  const parse = behaviorDefinition(type).parseConfig;
  if (parse === undefined) return input;
  try {
    return parse(input);
  } catch (err) {
    if (!(err instanceof BehaviorFailure)) throw err;
    throw new InvalidInputError(`${path}: ${err.message}`, [path]);
  }
}
