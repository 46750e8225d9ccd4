import { randomUUID } from 'node:crypto';
import { OPENAPI_PAGE_TITLE } from '../../src/openapi';
import { createDeployment, startTestApp, TestApp } from '../support/app';

interface Schema {
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema & Record<string, unknown>>;
  required?: string[];
  additionalProperties?: unknown;
  example?: unknown;
  discriminator?: { propertyName: string; mapping: Record<string, string> };
  [keyword: string]: unknown;
}
interface Operation {
  operationId?: string;
  deprecated?: boolean;
  tags?: string[];
  parameters?: { name: string; in: string; description?: string; schema?: unknown }[];
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: unknown; example?: unknown }> }
  >;
  requestBody?: unknown;
}
interface Doc {
  info: { license?: unknown };
  tags?: { name: string; description?: string }[];
  servers?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Calls `visit` on every schema object of the components, with where it is. */
function walkSchemas(doc: Doc, visit: (schema: Schema, where: string) => void): void {
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    if (typeof value !== 'object' || value === null) return;
    const schema = value as Schema;
    visit(schema, where);
    for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${where}.${k}`);
    for (const k of ['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf'])
      if (k in schema) walk(schema[k], `${where}.${k}`);
  };
  for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, name);
}

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/api/docs-json').expect(200)).body as Doc;
  });
  afterAll(async () => t.close());

  it('serves Swagger UI', async () => {
    const res = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('documents the contract routes with request and response schemas', () => {
    const trigger = doc.paths['/api/page-deployments/{deploymentId}/behaviors/trigger'].post;
    expect(trigger.requestBody).toBeDefined();
    expect(Object.keys(trigger.responses)).toEqual(
      expect.arrayContaining(['200', '202', '400', '404', '409', '422', '504']),
    );
    const status = doc.paths['/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}'].get;
    expect(status.responses['200'].content!['application/json'].schema).toEqual({
      $ref: '#/components/schemas/TaskStatusDto',
    });
    expect(
      doc.paths['/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}/cancel'].post
        .responses['409'],
    ).toBeDefined();
  });

  it('closes the state and stage enums and types the result', () => {
    const props = doc.components.schemas.TaskStatusDto.properties!;
    expect(props.state.allOf).toEqual([{ $ref: '#/components/schemas/TaskState' }]);
    expect(props.stage.allOf).toEqual([{ $ref: '#/components/schemas/TaskStage' }]);
    expect((doc.components.schemas.TaskState as { enum?: string[] }).enum).toEqual([
      'PENDING',
      'PROGRESS',
      'SUCCESS',
      'FAILURE',
    ]);
    expect((doc.components.schemas.TaskStage as { enum?: string[] }).enum).toEqual([
      'pending',
      'initialization',
      'execution',
      'saving',
      'completed',
      'failed',
      'cancelled',
    ]);
    // null in every state but SUCCESS: a oneOf with the null-only schema, which OpenAPI 3.0
    // validators accept (no `nullable` beside a bare oneOf).
    expect(props.result.oneOf).toEqual([
      { $ref: '#/components/schemas/RunResult' },
      { $ref: '#/components/schemas/NoResult' },
    ]);
    expect(props.result.nullable).toBeUndefined();
    expect(doc.components.schemas.NoResult).toMatchObject({ nullable: true, enum: [null] });
    expect(doc.components.schemas.RunResult).toMatchObject({
      oneOf: [
        { $ref: '#/components/schemas/GroupAssignmentRunResultDto' },
        { $ref: '#/components/schemas/ThemeCreationRunResultDto' },
      ],
      discriminator: {
        propertyName: 'behavior_type',
        mapping: {
          group_assignment: '#/components/schemas/GroupAssignmentRunResultDto',
          random_grouping: '#/components/schemas/GroupAssignmentRunResultDto',
          theme_creator: '#/components/schemas/ThemeCreationRunResultDto',
        },
      },
    });
  });

  it('puts no nullable beside a composition without a type, anywhere', () => {
    const offenders: string[] = [];
    walkSchemas(doc, (schema, where) => {
      const composed = 'oneOf' in schema || 'anyOf' in schema || 'allOf' in schema;
      if (schema.nullable === true && composed && !('type' in schema)) offenders.push(where);
    });
    expect(offenders).toEqual([]);
  });

  it('ties each behavior type to its own config, in requests and in answers', () => {
    const schemas = doc.components.schemas;
    expect(schemas.BehaviorDefinition.discriminator).toEqual({
      propertyName: 'type',
      mapping: {
        group_assignment: '#/components/schemas/GroupAssignmentBehaviorDto',
        group: '#/components/schemas/GroupAssignmentBehaviorDto',
        theme_creator: '#/components/schemas/ThemeCreatorBehaviorDto',
        themeCreator: '#/components/schemas/ThemeCreatorBehaviorDto',
        random_grouping: '#/components/schemas/RandomGroupingBehaviorDto',
      },
    });
    expect(schemas.GroupAssignmentBehaviorDto.properties!.config).toEqual({
      $ref: '#/components/schemas/GroupAssignmentConfigDto',
    });
    for (const union of ['StoredBehaviorDefinition', 'BehaviorSummary']) {
      expect(Object.keys(schemas[union].discriminator!.mapping)).toEqual([
        'group_assignment',
        'theme_creator',
        'random_grouping',
      ]);
    }
    // Request configs: every field optional, no `default` (openapi-typescript would make it
    // required). Answered configs: every field required.
    for (const name of ['GroupAssignment', 'ThemeCreator', 'RandomGrouping']) {
      const request = schemas[`${name}ConfigDto`];
      const answer = schemas[`Resolved${name}ConfigDto`];
      expect(request.required ?? []).toEqual([]);
      for (const p of Object.values(request.properties!)) expect(p).not.toHaveProperty('default');
      expect([...answer.required!].sort()).toEqual(Object.keys(request.properties!).sort());
    }
  });

  it("has behavior examples that only their own type's config describes", () => {
    const schemas = doc.components.schemas;
    const mapping = schemas.BehaviorDefinition.discriminator!.mapping;
    const examples: Record<string, { type: string; config?: Record<string, unknown> }>[] = [];
    walkSchemas(doc, (schema) => {
      const ref = (schema.additionalProperties as { $ref?: string } | undefined)?.$ref;
      if (ref === '#/components/schemas/BehaviorDefinition' && schema.example !== undefined)
        examples.push(schema.example as (typeof examples)[number]);
    });
    expect(examples.length).toBeGreaterThan(0);
    for (const behaviors of examples) {
      for (const b of Object.values(behaviors)) {
        // The discriminator picks one branch by type; that branch's config must take the example.
        const branch = schemas[mapping[b.type].split('/').pop()!];
        const configRef = branch.properties!.config.$ref as string;
        const config = schemas[configRef.split('/').pop()!];
        expect(Object.keys(b.config ?? {}).filter((k) => !(k in config.properties!))).toEqual([]);
      }
    }
  });

  it('gives every error answer its own example, and documents the answers each route can give', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        // Every route touches Redis (rate limit, access check, handler).
        expect({ where, has503: '503' in op.responses }).toEqual({ where, has503: true });
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const json = response.content?.['application/json'];
          // The health probes answer 503 with terminus's own body (`status: error` and the
          // failed checks), not with the service's error shape; it has an example all the same.
          if (path.startsWith('/health/') && status === '503') {
            const probe = json?.example as { status?: string; error?: unknown } | undefined;
            expect({ where, status, example: probe?.status }).toEqual({
              where,
              status,
              example: 'error',
            });
            expect(probe?.error).toEqual(expect.any(Object));
            expect(response.description.length).toBeGreaterThan(10);
            continue;
          }
          const example = json?.example as { statusCode: number; message: string } | undefined;
          expect({ where, status, statusCode: example?.statusCode }).toEqual({
            where,
            status,
            statusCode: Number(status),
          });
          expect(example!.message.length).toBeGreaterThan(10);
          expect(response.description.length).toBeGreaterThan(10);
        }
      }
    }
    const codes = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    expect(codes('/api/page-deployments', 'get')).toContain('400');
    expect(codes('/api/page-deployments', 'post')).toEqual(expect.arrayContaining(['400', '413']));
    const trigger = '/api/page-deployments/{deploymentId}/behaviors/trigger';
    expect(codes(trigger, 'post')).toEqual(
      expect.arrayContaining(['400', '404', '409', '413', '422', '503', '504']),
    );
    const conflict = doc.paths[trigger].post.responses['409'].content!['application/json'];
    expect(conflict.example).toMatchObject({ error: 'Conflict', task_id: expect.any(String) });
    expect(
      doc.paths['/api/page-deployments/{deploymentId}/submissions'].put.responses['413'].content![
        'application/json'
      ].example,
    ).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('answers what it documents for a body it cannot parse, even on a route without a body', async () => {
    const cancel = '/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}/cancel';
    expect(Object.keys(doc.paths[cancel].post.responses)).toEqual(
      expect.arrayContaining(['400', '413']),
    );
    const res = await t.http
      .post(`/api/page-deployments/${randomUUID()}/behaviors/tasks/${randomUUID()}/cancel`)
      .set('Content-Type', 'application/json')
      .send('{bad')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect((res.body as { message: string }).message).toMatch(
      /^The request body is not valid JSON/,
    );
  });

  it('describes parameters, with the uuid format for ids', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const params = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(params.map((p) => p.name).sort()).toEqual([...inPath].sort());
        for (const p of op.parameters ?? [])
          expect({ name: p.name, description: p.description }).toEqual({
            name: p.name,
            description: expect.any(String),
          });
        for (const p of params) {
          expect(p.description).toEqual(expect.any(String));
          if (p.name === 'deploymentId' || p.name === 'taskId')
            expect(p.schema).toMatchObject({ type: 'string', format: 'uuid' });
        }
      }
    }
  });

  it('types counts as integers', () => {
    const numbers: string[] = [];
    walkSchemas(doc, (schema, where) => {
      if (schema.type === 'number') numbers.push(where);
    });
    // The only fractional values: a similarity and a duration in seconds.
    expect(numbers.sort()).toEqual([
      'GroupingMetadataDto.mean_within_group_similarity',
      'HistoryEntryDto.execution_time_seconds',
    ]);
  });

  it('orders and describes tags, and names its servers, license and page title', async () => {
    expect(doc.tags!.map((t) => t.name)).toEqual([
      'deployments',
      'submissions',
      'behaviors',
      'tasks',
      'outputs',
      'operations',
      'health',
      'deprecated',
    ]);
    for (const tag of doc.tags!) expect(tag.description).toEqual(expect.any(String));
    const used = new Set(
      Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])),
    );
    expect([...used].sort()).toEqual(doc.tags!.map((t) => t.name).sort());
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'MIT', url: expect.stringMatching(/^https:/) });
    const page = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(page.text).toContain(`<title>${OPENAPI_PAGE_TITLE}</title>`);
  });

  it('marks the old /api/deploy paths deprecated, and only those', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(Boolean(op.deprecated)).toBe(path.startsWith('/api/deploy/'));
      }
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/deploy/'))).toHaveLength(3);
  });

  it('answers the old paths with Deprecation and Link headers naming the new path (RFC 9745)', async () => {
    const id = await createDeployment(t, { '1': { type: 'random_grouping', config: { seed: 1 } } });
    const res = await t.http
      .post(`/api/deploy/${id}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(200);
    expect(res.headers.deprecation).toMatch(/^@\d+$/);
    expect(res.headers.link).toBe(
      `</api/page-deployments/${id}/behaviors/trigger>; rel="successor-version"`,
    );
    const current = await t.http
      .post(`/api/page-deployments/${id}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(200);
    expect(current.headers.deprecation).toBeUndefined();
    expect(current.headers.link).toBeUndefined();
  });

  it('gives every operation an id and every property a type or a reference', () => {
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) expect(op.operationId).toEqual(expect.any(String));
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const [prop, s] of Object.entries(schema.properties ?? {})) {
        const typed = 'type' in s || '$ref' in s || 'oneOf' in s || 'allOf' in s;
        if (!typed) throw new Error(`${name}.${prop} has no type`);
      }
    }
  });
});
