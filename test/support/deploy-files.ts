import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '../..');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** The Dockerfile's stages with their instructions (comments dropped, continuations joined). */
export function dockerfileStages(text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const args = space === -1 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : null, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile: ${keyword} before any FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** `ENV A=b C=d` and `ENV A b` of a stage, in order. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name, ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The stage's CMD, which must be the exec (JSON array) form so signals reach node. */
export function stageCmd(stage: Stage): string[] {
  const cmd = stage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (cmd === undefined) throw new Error('Dockerfile: the last stage has no CMD');
  const parsed: unknown = JSON.parse(cmd.args);
  if (Array.isArray(parsed) && parsed.every((p): p is string => typeof p === 'string'))
    return parsed;
  throw new Error(`Dockerfile: CMD is not a JSON array of strings: ${cmd.args}`);
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  restart?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  volumes?: (string | { target?: string })[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition?: string }> | string[];
  pull_policy?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

/** The compose file as Compose reads it: YAML merge keys (`<<: *anchor`) resolved. */
export function composeDocument(): unknown {
  return parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true });
}

/**
 * The Compose Specification's JSON schema, the copy the `dclint` package ships. It names its
 * draft `https://json-schema.org/draft-07/schema`, a spelling Ajv does not know; Ajv's default
 * draft is that same draft-07, so the name is dropped before compiling.
 */
function composeSchema(): Record<string, unknown> {
  const dir = dirname(require.resolve('dclint/package.json'));
  const text = readFileSync(join(dir, 'schemas/compose.schema.json'), 'utf8');
  const { $schema: draft, ...schema } = JSON.parse(text) as Record<string, unknown>;
  if (typeof draft !== 'string' || !draft.includes('draft-07'))
    throw new Error(
      `the Compose schema is no longer draft-07 (${String(draft)}): check Ajv's options`,
    );
  return schema;
}

// strict: false because the Compose schema uses annotations Ajv's strict mode does not know.
export const validateCompose = new Ajv({ allErrors: true, strict: false }).compile<ComposeFile>(
  composeSchema(),
);

/** docker-compose.yml, checked against the Compose schema (throws with Ajv's errors). */
export function loadCompose(): ComposeFile {
  const doc = composeDocument();
  if (!validateCompose(doc))
    throw new Error(
      `${COMPOSE_FILE} breaks the Compose schema: ${JSON.stringify(validateCompose.errors)}`,
    );
  return doc;
}

/** The service's environment as name -> value (Compose accepts a map or a list of A=b). */
export function serviceEnv(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
