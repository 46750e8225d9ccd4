import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { isRecord } from '../engine/types';
import { InvalidInputError } from './errors';

/**
 * class-validator words its messages as "<property> must ..." and, for unknown fields, "property
 * <property> should not exist". Swap that leading name for the full dotted path. Property names
 * come from the request, so this is a plain prefix comparison: never build a pattern from them.
 */
function withFieldPath(text: string, property: string, field: string): string {
  for (const prefix of [`property ${property} `, `${property} `]) {
    if (text.startsWith(prefix)) return `${field} ${text.slice(prefix.length)}`;
  }
  return text;
}

/** Flattens class-validator errors into `path.to.field: what is wrong` lines. */
export function describeValidationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const text of Object.values(e.constraints ?? {})) {
      out.push({ field, text: withFieldPath(text, e.property, field) });
    }
    if (e.children && e.children.length > 0)
      out.push(...describeValidationErrors(e.children, field));
  }
  return out;
}

export function invalidInput(errors: ValidationError[]): InvalidInputError {
  const lines = describeValidationErrors(errors);
  return new InvalidInputError(lines.map((l) => l.text).join('; '), [
    ...new Set(lines.map((l) => l.field)),
  ]);
}

/**
 * A cheap test that a request body is valid for a DTO: it may accept only bodies the DTO's
 * decorators accept (it can be stricter). Whatever it does not accept goes through
 * class-validator, which stays the authority and words every error.
 */
export type QuickCheck = (body: unknown) => boolean;

type Dto = new () => object;
const quickChecks = new Map<Dto, QuickCheck>();

/** Registers the quick check of a DTO on a hot route (test/unit/validation.spec.ts compares). */
export function quickCheck(dto: Dto, check: QuickCheck): void {
  quickChecks.set(dto, check);
}

/** A JSON object whose keys are all among `allowed` (a JSON body has no prototype tricks). */
export function onlyKeys(
  body: unknown,
  allowed: readonly string[],
): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  for (const key of Object.keys(body)) if (!allowed.includes(key)) return false;
  return true;
}

/**
 * The global pipe, with a fast path for bodies of the hottest routes: class-transformer and
 * class-validator cost a trigger about 6% of its CPU under load, for a two-field body.
 */
class HotPathValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.type === 'body' ? (metadata.metatype as Dto | undefined) : undefined;
    const check = dto === undefined ? undefined : quickChecks.get(dto);
    if (dto !== undefined && check?.(value))
      return Promise.resolve(Object.assign(new dto(), value));
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** Unknown fields are rejected, types are checked, and the answer names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new HotPathValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: invalidInput,
  });
}
