import { ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidInputError } from './errors';

/** Flattens class-validator errors into `path.to.field: what is wrong` lines. */
export function describeValidationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const text of Object.values(e.constraints ?? {})) {
      // class-validator says "property x should not exist" for unknown fields; name the path.
      out.push({
        field,
        text: text
          .replace(/^property \S+ /, `${field} `)
          .replace(new RegExp(`^${e.property} `), `${field} `),
      });
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
