import { startTestApp, TestApp } from '../support/app';

interface Operation {
  operationId?: string;
  deprecated?: boolean;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: unknown;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
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
    expect(props.result.oneOf).toEqual([
      { $ref: '#/components/schemas/GroupAssignmentRunResultDto' },
      { $ref: '#/components/schemas/ThemeCreationRunResultDto' },
    ]);
  });

  it('marks the old /api/deploy paths deprecated, and only those', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(Boolean(op.deprecated)).toBe(path.startsWith('/api/deploy/'));
      }
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/deploy/'))).toHaveLength(3);
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
