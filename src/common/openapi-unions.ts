import { getSchemaPath, SchemaObject } from '@nestjs/swagger';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what getSchemaPath takes
type Model = Function;

/**
 * A union of DTO classes told apart by one property (OpenAPI `discriminator`): a generated
 * client narrows it with a plain comparison on that property, and each value names one branch.
 * Several values may lead to the same class (an old name and its new one).
 */
export function discriminatedUnion(
  propertyName: string,
  mapping: Record<string, Model>,
  description?: string,
): SchemaObject {
  const classes = [...new Set(Object.values(mapping))];
  return {
    ...(description === undefined ? {} : { description }),
    // `type` beside the oneOf: validators that read the discriminator first (Redocly's) would
    // otherwise let a non-object, such as null, through.
    type: 'object',
    oneOf: classes.map((c) => ({ $ref: getSchemaPath(c) })),
    discriminator: {
      propertyName,
      mapping: Object.fromEntries(Object.entries(mapping).map(([k, c]) => [k, getSchemaPath(c)])),
    },
  };
}

/** `{$ref}` to a named component (one of the unions registered by `registerUnions`). */
export const refTo = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
