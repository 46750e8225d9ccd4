import { OutputVariablePrefix } from '../../engine/catalog';
import { isRecord } from '../../engine/types';

/**
 * A behavior's result as its thread hands it over: JSON text, not objects. The result of a
 * large class is about 1 MB of small objects; cloned as objects it blocks the receiving event
 * loop (where a cancel must be noticed) for tens of ms while it is rebuilt, and the service then
 * serializes it again to store it. As text it is one flat string: copied in well under a
 * millisecond, and stored as it is.
 */
export interface EncodedResult {
  /** The behavior's output as a JSON object, without the fields the service sets itself. */
  json: string;
  /** The JSON of what the output variable keeps (the groups or the themes), or null. */
  variable: string | null;
  /** Groups and themes in the output, for the task's history row (null when it has none). */
  groups: number | null;
  themes: number | null;
}

/** Fields the service sets on every result after the behavior's output; a behavior's are dropped. */
const SERVICE_FIELDS: ReadonlySet<string> = new Set([
  'success',
  'behavior_type',
  'execution_time',
  'executed_at',
  'task_id',
]);

/**
 * Serializes an output field by field, so the variable's part (the groups or the themes, most
 * of a large result) is serialized once and reused. Fields JSON would leave out (undefined,
 * functions) are left out here too.
 */
export function encodeResult(output: unknown, prefix: OutputVariablePrefix): EncodedResult {
  const fields: string[] = [];
  let variable: string | null = null;
  const record = isRecord(output) ? output : {};
  const variableKey =
    prefix === 'group' && isRecord(record.groups)
      ? 'groups'
      : prefix === 'theme' && Array.isArray(record.themes)
        ? 'themes'
        : null;
  for (const [key, value] of Object.entries(record)) {
    if (SERVICE_FIELDS.has(key)) continue;
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) continue;
    if (key === variableKey) variable = json;
    fields.push(`${JSON.stringify(key)}:${json}`);
  }
  return {
    json: `{${fields.join(',')}}`,
    variable,
    groups: isRecord(record.groups) ? Object.keys(record.groups).length : null,
    themes: Array.isArray(record.themes) ? record.themes.length : null,
  };
}

/**
 * An object's JSON with fields added at the start and at the end, by splicing text: the
 * encoded part is never parsed again. `head` and `tail` must not share keys with `json`.
 */
export function spliceJson(
  head: Record<string, unknown>,
  json: string,
  tail: Record<string, unknown>,
): string {
  const parts = [
    JSON.stringify(head).slice(1, -1),
    json.slice(1, -1),
    JSON.stringify(tail).slice(1, -1),
  ];
  return `{${parts.filter((p) => p !== '').join(',')}}`;
}
