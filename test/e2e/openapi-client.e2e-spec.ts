import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { AuthTestApp, startAuthTestApp } from '../support/auth';
import { CLASS_ANSWERS } from '../support/app';
import { CLIENT_FLOW_SOURCE } from '../support/openapi-client-flow';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * openapi-typescript's Node API, run in a child process: the package is ESM at heart (its CommonJS
 * build requires ESM-only modules), which Node loads and Jest's module runtime does not.
 */
const GENERATE = `
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
const [source, target] = process.argv.slice(2);
writeFileSync(target, astToString(await openapiTS(readFileSync(source, 'utf8'))));
`;

/** The first ```ts block of the README: its typed-client example. */
function docsExample(): string {
  const markdown = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(markdown);
  if (block === null) throw new Error('README.md has no ```ts block');
  return block[1];
}

/** Strict, as a careful client project would compile; the DOM-free Node globals give fetch. */
const CHECK_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUnusedLocals: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ['node'],
};

/** Type assertions, non-null assertions and `any`: what "no casts" rules out. */
function escapes(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isAsExpression(node) ||
      ts.isTypeAssertionExpression(node) ||
      ts.isNonNullExpression(node) ||
      node.kind === ts.SyntaxKind.AnyKeyword
    ) {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
      found.push(`${file.fileName}:${line + 1}: ${node.getText(file)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Generates the client from the live document, type-checks the flow program and the docs example
 * under strict with no casts, and compiles the flow to JavaScript in `dir`.
 */
async function buildClient(document: object, dir: string): Promise<string[]> {
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
  writeFileSync(join(dir, 'generate.mjs'), GENERATE);
  await run(
    process.execPath,
    [join(dir, 'generate.mjs'), join(dir, 'openapi.json'), join(dir, 'api-schema.d.ts')],
    { timeout: 60_000 },
  );
  writeFileSync(join(dir, 'flow.ts'), CLIENT_FLOW_SOURCE);
  writeFileSync(join(dir, 'example.ts'), docsExample());
  writeFileSync(join(dir, 'package.json'), '{"type": "commonjs"}\n');
  const roots = ['flow.ts', 'example.ts'].map((f) => join(dir, f));
  const program = ts.createProgram(roots, { ...CHECK_OPTIONS, outDir: join(dir, 'out') });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  for (const root of roots) problems.push(...escapes(program.getSourceFile(root)!));
  if (problems.length === 0) program.emit();
  return problems;
}

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string }[];
}

/** Redocly CLI's recommended rules on `document`; they also check every example against its schema. */
async function lint(document: object, dir: string): Promise<LintProblem[]> {
  const file = join(dir, `lint-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(document));
  const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const result = await run(
    process.execPath,
    [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'],
    {
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const report = JSON.parse(result.stdout) as {
    totals: { errors: number; warnings: number };
    problems: LintProblem[];
  };
  expect(report.problems.length).toBe(report.totals.errors + report.totals.warnings);
  return report.problems;
}

interface Observed {
  path: string;
  method: string;
  status: number;
  body: unknown;
}

/** The document with every answer the client got added as an example of its response. */
function withObservedExamples(document: object, observed: Observed[]): object {
  const copy = structuredClone(document) as {
    paths: Record<string, Record<string, { responses: Record<string, ResponseDoc> }>>;
  };
  observed.forEach((o, i) => {
    const response = copy.paths[o.path]?.[o.method]?.responses[String(o.status)];
    if (response === undefined)
      throw new Error(`undocumented answer ${o.status} to ${o.method} ${o.path}`);
    const json = response.content?.['application/json'];
    if (json === undefined)
      throw new Error(`no JSON documented for ${o.status} of ${o.method} ${o.path}`);
    // A media type has example or examples, not both.
    const examples =
      json.examples ?? (json.example === undefined ? {} : { documented: { value: json.example } });
    delete json.example;
    json.examples = { ...examples, [`observed-${i}`]: { value: o.body } };
  });
  return copy;
}

interface ResponseDoc {
  content?: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>;
}

describe('a client generated from the OpenAPI document', () => {
  let t: AuthTestApp;
  let baseUrl: string;
  let dir: string;
  let document: object;
  let observed: Observed[] = [];
  beforeAll(async () => {
    t = await startAuthTestApp();
    await t.app.listen(0, '127.0.0.1');
    const server: Server = t.app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    document = (await t.raw.get('/api/docs-json').expect(200)).body as object;
    // Inside node_modules, so the program resolves openapi-fetch and @types/node as a client
    // project would; removed at the end.
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    dir = mkdtempSync(join(cache, 'openapi-client-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('passes Redocly recommended lint with no errors (nor warnings)', async () => {
    expect(await lint(document, dir)).toEqual([]);
  }, 90_000);

  it('type-checks the flow and the docs example under strict, with no casts, and drives the whole flow', async () => {
    expect(await buildClient(document, dir)).toEqual([]);

    const instructor = await t.token({ sub: 'client-test', role: 'instructor' });
    // A deployment whose behavior runs until cancelled (the test-only sleep behavior is not in
    // the document, so it is made here; the program only triggers and cancels it).
    const as = () => t.as(instructor);
    const sleepDeployment = (
      await as()
        .post('/api/page-deployments')
        .send({
          title: 'Slow',
          behaviors: { '1': { type: 'test_sleep', config: { duration_ms: 30_000 } } },
        })
        .expect(201)
    ).body as { id: string };
    await as()
      .put(`/api/page-deployments/${sleepDeployment.id}/submissions`)
      .send({ submissions: CLASS_ANSWERS })
      .expect(200);

    const { stdout } = await run(process.execPath, [join(dir, 'out', 'flow.js')], {
      timeout: 60_000,
      env: {
        ...process.env,
        BASE_URL: baseUrl,
        TOKEN: instructor,
        SLEEP_DEPLOYMENT_ID: sleepDeployment.id,
      },
    });
    const { observed: answers, ...seen } = JSON.parse(stdout.trim().split('\n').pop()!) as Record<
      string,
      unknown
    > & { observed: Observed[] };
    observed = answers;
    const members = CLASS_ANSWERS.map((a) => a.name).sort();
    expect(seen).toEqual({
      storedTypes: ['group_assignment:2', 'theme_creator:0', 'random_grouping:4'],
      submissionsTotal: 8,
      submissionsOnPage: 5,
      defaults: [
        'group_assignment:students_per_group:true',
        'theme_creator:Theme Creator',
        'random_grouping:7:sync',
      ],
      groupStates: expect.arrayContaining(['SUCCESS']),
      resultTypes: ['group_assignment', 'theme_creator', 'random_grouping'],
      groupCount: 4,
      groupMembers: members,
      themes: expect.arrayContaining([expect.any(String)]),
      syncGroups: 2,
      // From the latest group assignment: the random grouping, in groups of 4.
      studentGroup: {
        name: expect.stringMatching(/^Group\d$/),
        members: [expect.any(String), expect.any(String), expect.any(String)],
      },
      savedThemes: expect.any(Number),
      cancel: { cancelled: true, state: 'FAILURE', stage: 'cancelled' },
      late: { status: 409, statusCode: 409, cancelled: false, task: expect.any(String) },
      unknown: { status: 404, error: 'Not Found', message: expect.stringContaining('not found') },
      badPage: { status: 400, fields: ['page'] },
    });
    expect((seen.groupStates as string[]).at(-1)).toBe('SUCCESS');
    expect((seen.themes as string[]).length).toBe(seen.savedThemes);
  }, 120_000);

  it('got only answers the document describes: each one validates as an example of its response', async () => {
    expect(observed.length).toBeGreaterThan(20);
    const states = observed
      .filter((o) => o.path.endsWith('/tasks/{taskId}') && o.status === 200)
      .map((o) => (o.body as { state: string }).state);
    // PENDING passes too quickly to be seen every time; the document's own PENDING example is
    // checked by the lint above.
    expect(states).toEqual(expect.arrayContaining(['PROGRESS', 'SUCCESS', 'FAILURE']));
    const problems = await lint(withObservedExamples(document, observed), dir);
    expect(problems.map((p) => `${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  }, 90_000);
});
