import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError, TooLargeError } from './errors';

/** What a parsed JSON body may hold; checked before class-transformer or class-validator see it. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (the body itself is depth 1). */
  maxDepth: number;
  /** Most keys in any one object. */
  maxKeys: number;
  /** Most entries in any one array (the students of one request). */
  maxArrayLength: number;
  /** Longest string value, in UTF-16 code units. */
  maxStringLength: number;
  /** Longest key (field names, prompt ids, behavior numbers); what a key may hold is the DTOs' business. */
  maxKeyLength: number;
}

/** Longest key of any object in a body: field names, behavior numbers, prompt ids. */
export const MAX_KEY_LENGTH = 200;

/** Keys that mean something to JavaScript objects; never data here. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** C0 and C1 control characters and DEL: never part of a name or a key. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** A text with none of them (names, e.g. e-mails). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/** A node still to visit, with its parent so that a path is only built when one is reported. */
interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
  depth: number;
}

function pathOf(visit: Visit): string {
  const parts: string[] = [];
  for (let v: Visit | null = visit; v !== null && v.parent !== null; v = v.parent)
    parts.push(v.key);
  return parts.reverse().join('.');
}

/** Shows at most 64 characters of a key taken from a request, control characters escaped. */
export function shownText(text: string): string {
  const head = text.length > 64 ? `${text.slice(0, 64)}\u2026` : text;
  return JSON.stringify(head).slice(1, -1);
}

/**
 * Checks a parsed JSON body in one iterative walk (no recursion: a 10,000-deep body is refused
 * at depth `maxDepth` without ever growing the stack), in time linear in its size. Throws the
 * first offence, naming its field: too deep, a bad key, too long a string (400); too many keys
 * or array entries (413).
 */
export function checkJsonLimits(body: unknown, limits: JsonLimits): void {
  const stack: Visit[] = [{ value: body, key: '', parent: null, depth: 1 }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value, depth } = visit;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) {
        const field = pathOf(visit) || 'body';
        throw new InvalidInputError(
          `${field} is ${value.length} characters long; the limit is ${limits.maxStringLength}`,
          [field],
        );
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxDepth) {
      const field = pathOf(visit) || 'body';
      throw new InvalidInputError(
        `${field} is nested deeper than ${limits.maxDepth} levels of arrays and objects`,
        [field],
      );
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        const field = pathOf(visit) || 'body';
        throw new TooLargeError(
          `${field} holds ${value.length} entries; send at most ${limits.maxArrayLength} per request`,
          { fields: [field] },
        );
      }
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i] as unknown, key: String(i), parent: visit, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) {
      const field = pathOf(visit) || 'body';
      throw new TooLargeError(
        `${field} has ${keys.length} keys; an object may have at most ${limits.maxKeys}`,
        { fields: [field] },
      );
    }
    const record = value as Record<string, unknown>;
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const child: Visit = { value: record[key], key, parent: visit, depth: depth + 1 };
      if (key.length > limits.maxKeyLength) {
        const field = shownText(pathOf(child));
        throw new InvalidInputError(
          `${field}: a key is ${key.length} characters long; the limit is ${limits.maxKeyLength}`,
          [field],
        );
      }
      if (RESERVED_KEYS.has(key)) {
        const field = pathOf(child);
        throw new InvalidInputError(`${shownText(field)}: ${key} is not allowed as a key`, [field]);
      }
      stack.push(child);
    }
  }
}

/**
 * Runs `checkJsonLimits` on every `@Body()` before the validation pipe, so that class-transformer
 * and class-validator (recursive, and slow on objects with many keys) only see bounded input.
 */
@Injectable()
export class JsonLimitsPipe implements PipeTransform {
  constructor(private readonly limits: JsonLimits) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body') checkJsonLimits(value, this.limits);
    return value;
  }
}
