import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiParam, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';
import { ErrorExtras } from './errors';
import { errorPhrase } from './http-exception.filter';

/** Ids used in the examples, so one example's 404 and another's 409 read as the same story. */
export const EXAMPLE_DEPLOYMENT_ID = '3f2b8c1e-5d4a-4e7b-9a10-2c6d8e4f1a37';
export const EXAMPLE_TASK_ID = '7d3c3c5e-2f8b-4d0e-9c55-0f8f6f6b2a10';

/** How one error answer of a route is documented: when it happens and what its body says. */
export interface ErrorDoc {
  description: string;
  /** The example's `message`: what the service really answers in that case. */
  message: string;
  /** The example's extra fields (`fields`, `task_id`, `cancelled`, ...). */
  extras?: ErrorExtras;
}

/** The example body of an error answer, in the one error shape the exception filter writes. */
export function errorExample(status: number, message: string, extras: ErrorExtras = {}): object {
  return { statusCode: status, error: errorPhrase(status), message, ...extras };
}

/**
 * Documents the error answers of a route, each with its own example, so a reader (and a
 * generated client's docs) sees what a 404 or a 409 of this route says, not a generic body.
 */
export function ApiErrors(docs: Record<number, ErrorDoc>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...Object.entries(docs).map(([status, doc]) =>
      ApiResponse({
        status: Number(status),
        description: doc.description,
        // Always JSON, also on a route that produces something else (the event stream).
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorResponseDto) },
            example: errorExample(Number(status), doc.message, doc.extras),
          },
        },
      }),
    ),
  );
}

// The cases several routes share.

export const DEPLOYMENT_NOT_FOUND: ErrorDoc = {
  description:
    'Unknown deployment, an id that is not a UUID, or one this token may not see (the same answer, so ids do not leak)',
  message: `Deployment ${EXAMPLE_DEPLOYMENT_ID} not found`,
};

export const INVALID_BODY: ErrorDoc = {
  description:
    'The body is not valid JSON, has unknown fields or wrong types, or breaks an input limit; fields names each offending field',
  message: 'behaviors.1.config.group_size must not be less than 1',
  extras: { fields: ['behaviors.1.config.group_size'] },
};

export const BODY_TOO_LARGE: ErrorDoc = {
  description:
    'The body is larger than MAX_BODY_SIZE, or an object or array in it has more entries than allowed',
  message: 'The request body is larger than this service accepts (see MAX_BODY_SIZE)',
};

export const INVALID_PAGE: ErrorDoc = {
  description: 'page or page_size is not an integer in range',
  message: 'page must not be greater than 1000000',
  extras: { fields: ['page'] },
};

/** A name in the path (`name`, `studentName`) that cannot be one (NameParamPipe). */
export function invalidName(field: string): ErrorDoc {
  return {
    description: `${field} has control characters, is empty or is longer than 320 characters`,
    message: `${field} must be 1 to 320 characters without control characters`,
    extras: { fields: [field] },
  };
}

/** The `{deploymentId}` path parameter. */
export const ApiDeploymentIdParam = (): MethodDecorator & ClassDecorator =>
  ApiParam({
    name: 'deploymentId',
    format: 'uuid',
    description: 'The deployment, as `id` in the answer of createDeployment',
    example: EXAMPLE_DEPLOYMENT_ID,
  });

/** The `{taskId}` path parameter. */
export const ApiTaskIdParam = (): MethodDecorator & ClassDecorator =>
  ApiParam({
    name: 'taskId',
    format: 'uuid',
    description: 'The task, as `task_id` in the answer of triggerBehavior',
    example: EXAMPLE_TASK_ID,
  });
