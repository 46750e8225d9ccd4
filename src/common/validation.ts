import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Unknown fields are rejected, types are checked, and the answer names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: invalidInput,
  });
}
