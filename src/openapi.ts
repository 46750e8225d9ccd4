import { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { BEARER_SCHEME, documentAccessControl } from './auth/http-security';
import { BEHAVIOR_SUMMARY_UNIONS } from './behaviors/dto/trigger-behavior.dto';
import { addLegacyPaths } from './behaviors/legacy-paths';
import { BODY_TOO_LARGE, errorExample } from './common/api-docs';
import { CONFIG_REQUEST_SCHEMAS } from './deployments/dto/behavior-config.dto';
import { BEHAVIOR_DEFINITION_UNIONS } from './deployments/dto/deployment.dto';
import { RUN_RESULT_UNIONS } from './tasks/dto/run-result.dto';

export const OPENAPI_PAGE_TITLE = 'Behavior execution service: API';

/**
 * In the order a reader follows the flow: create, add answers, run, poll, read what it left;
 * then what operators use, and the deprecated paths last.
 */
const TAGS: [string, string][] = [
  ['deployments', 'A page deployment: its title, its numbered behaviors and who owns it'],
  ['submissions', "Students' answers, one entry per student name"],
  ['behaviors', "List a deployment's behaviors and trigger one (queued or synchronous)"],
  ['tasks', 'Poll a triggered run until SUCCESS or FAILURE, or cancel it'],
  ['outputs', 'What successful runs leave: variables, a student’s group, the run history'],
  ['operations', 'For operators: the live worker processes and what they run'],
  ['health', 'Liveness and readiness probes for load balancers and container runtimes'],
  ['deprecated', 'The old /api/deploy paths; they answer with Deprecation and Link headers'],
];

/** Named unions the DTO decorators point at (`refTo`); Nest has no decorator for them. */
const UNIONS = { ...BEHAVIOR_DEFINITION_UNIONS, ...BEHAVIOR_SUMMARY_UNIONS, ...RUN_RESULT_UNIONS };

/** What an error answer added by a cross-cutting pass says, when the route gave no example. */
const GENERIC_ERRORS: Record<string, string> = {
  '401': 'This route needs a bearer token: send Authorization: Bearer <token>',
  '429': 'Too many requests: at most 6000 a minute per subject; retry in 12 s',
  '503': 'The task store (Redis) is not reachable right now; retry in a few seconds',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The OpenAPI document served at /api/docs-json, built from the controllers' decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Behavior execution service')
    .setDescription(
      'Runs the heavy behaviors of page deployments (group assignment, theme creation) on queue ' +
        'workers, with progress, cancellation and time limits. Trigger, then poll the task until ' +
        'its state is SUCCESS or FAILURE.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'The server that serves this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT with sub, role (admin, instructor, student) and, for a student, name',
      },
      BEARER_SCHEME,
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ...UNIONS };
  for (const name of CONFIG_REQUEST_SCHEMAS) withoutDefaults(document.components.schemas[name]);
  for (const schema of Object.values(document.components.schemas)) withoutLoneAllOf(schema);
  documentAccessControl(document);
  addLegacyPaths(document);
  documentRedisOutage(document);
  documentBodyParsing(document);
  exemplifyErrors(document);
  return document;
}

/**
 * Every route reads or writes Redis (the rate limit and the deployment check do, before the
 * handler), so every operation can answer 503 while Redis is unreachable.
 */
function documentRedisOutage(document: OpenAPIObject): void {
  for (const op of operations(document)) {
    op.responses['503'] ??= {
      description: 'Redis is unreachable; the service recovers by itself, retry shortly',
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
      },
    };
  }
}

/**
 * The body parser and the JSON limits run before routing on every POST, PUT, PATCH and DELETE,
 * with or without a body in the route's contract: malformed JSON is a 400, too large a body 413.
 */
function documentBodyParsing(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (op === undefined) continue;
      op.responses['400'] ??= {
        description: 'The body is not valid JSON, or breaks an input limit',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/ErrorResponseDto' },
            example: errorExample(
              400,
              "The request body is not valid JSON: Expected property name or '}' in JSON at position 1",
            ),
          },
        },
      };
      op.responses['413'] ??= {
        description: BODY_TOO_LARGE.description,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/ErrorResponseDto' },
            example: errorExample(413, BODY_TOO_LARGE.message),
          },
        },
      };
    }
  }
}

/** Gives the error answers added by the cross-cutting passes (401, 403, 415, 429, 503) an example. */
function exemplifyErrors(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op !== undefined) exemplifyOperation(op, method, path);
    }
  }
}

function exemplifyOperation(op: OperationObject, method: string, path: string): void {
  // The access guard's words, for a student's token (the role most routes refuse).
  const forbidden = `A student may not ${method.toUpperCase()} ${path}; it is for admin and instructor tokens`;
  // The same-origin guard's words.
  const unsafe =
    `A ${method.toUpperCase()} must carry Content-Type: application/json (send {} when there is ` +
    'no body) or an Authorization header, so that a browser cannot send it from another site';
  for (const [status, response] of Object.entries(op.responses)) {
    const message =
      status === '403' ? forbidden : status === '415' ? unsafe : GENERIC_ERRORS[status];
    if (message === undefined || response === undefined || !('content' in response)) continue;
    const json = response.content?.['application/json'];
    if (json === undefined || json.example !== undefined || json.schema === undefined) continue;
    // The service's error body gets the words above; a body of its own (a probe's 503, written
    // by terminus) gets an example assembled from its properties' examples.
    const example =
      '$ref' in json.schema
        ? json.schema.$ref === '#/components/schemas/ErrorResponseDto'
          ? errorExample(Number(status), message)
          : undefined
        : exampleFromProperties(json.schema);
    if (example === undefined) continue;
    // A fresh object: the passes share one content object between responses.
    response.content = { 'application/json': { ...json, example } };
  }
}

/** `{property: its example}` when every property of an inline schema has one. */
function exampleFromProperties(schema: SchemaObject): Record<string, unknown> | undefined {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return undefined;
  const example: Record<string, unknown> = {};
  for (const [name, property] of properties) {
    if ('$ref' in property || property.example === undefined) return undefined;
    example[name] = property.example;
  }
  return example;
}

/**
 * A `default` makes openapi-typescript (default settings) type the field as required, so a
 * request schema says its defaults in words only (see behavior-config.dto.ts).
 */
function withoutDefaults(schema: SchemaObject | ReferenceObject | undefined): void {
  if (schema === undefined || !('properties' in schema)) return;
  for (const property of Object.values(schema.properties ?? {})) {
    if ('default' in property) delete property.default;
  }
}

/**
 * Nest writes a property typed by a named enum as `allOf` of one `$ref`; with nothing beside it,
 * the `$ref` alone says the same and reads better in generated code and lint.
 */
function withoutLoneAllOf(schema: SchemaObject | ReferenceObject): void {
  if (!('properties' in schema)) return;
  const properties = schema.properties ?? {};
  for (const [name, property] of Object.entries(properties)) {
    const keys = Object.keys(property);
    if ('allOf' in property && property.allOf?.length === 1 && keys.length === 1)
      properties[name] = property.allOf[0];
  }
}

function operations(document: OpenAPIObject) {
  return Object.values(document.paths).flatMap((item) =>
    METHODS.flatMap((m) => (item[m] === undefined ? [] : [item[m]])),
  );
}
