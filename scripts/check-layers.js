// Checks which top-level folders of src/ may import which (docs/architecture.md explains why).
// madge finds cycles between files; this keeps the folders pointing one way.
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const SRC = join(__dirname, '..', 'src');
/** folder -> folders it may import (besides itself). Entry files at the top are free. */
const ALLOWED = {
  engine: [],
  config: [],
  redis: ['config'],
  common: ['config', 'redis', 'engine'],
  auth: ['common', 'config', 'redis'],
  queue: ['config', 'redis'],
  observability: ['auth', 'common', 'config', 'queue', 'redis'],
  tasks: ['common', 'config', 'engine', 'observability', 'queue', 'redis'],
  deployments: ['auth', 'common', 'config', 'engine', 'redis', 'tasks'],
  execution: ['config', 'deployments', 'engine', 'observability', 'queue', 'redis', 'tasks'],
  processors: ['config', 'execution', 'observability', 'queue'],
  behaviors: ['common', 'config', 'deployments', 'engine', 'execution', 'queue', 'tasks'],
};
/** The engine runs in bare threads and benchmarks: no Nest, no Redis client. */
const ENGINE_FORBIDDEN = [/^@nestjs\//, /^ioredis$/, /^bullmq$/];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const problems = [];
for (const file of files(SRC)) {
  const rel = relative(SRC, file);
  if (!rel.includes(sep)) continue;
  const folder = rel.split(sep)[0];
  const allowed = ALLOWED[folder];
  if (allowed === undefined) {
    problems.push(`${rel}: folder ${folder} has no rule in scripts/check-layers.js`);
    continue;
  }
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/from '([^']+)'|require\('([^']+)'\)/g)) {
    const spec = m[1] ?? m[2];
    if (folder === 'engine' && ENGINE_FORBIDDEN.some((re) => re.test(spec)))
      problems.push(`${rel}: the engine may not import ${spec}`);
    if (!spec.startsWith('.')) continue;
    const target = relative(SRC, resolve(dirname(file), spec));
    if (target.startsWith('..')) problems.push(`${rel}: imports outside src (${spec})`);
    const to = target.split(sep)[0];
    if (!target.includes(sep) || to === folder) continue;
    if (!allowed.includes(to)) problems.push(`${rel}: ${folder} may not import ${to} (${spec})`);
  }
}
if (problems.length > 0) {
  console.error(`Layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('Layer check: every folder imports only what docs/architecture.md allows');
