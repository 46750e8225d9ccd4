// Copies the Lua scripts under src/ next to the compiled files of a tsc build (nest build does
// this for dist/ through nest-cli.json assets; the benchmark build uses plain tsc).
const { cpSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node scripts/copy-lua.js <outDir>');
const root = join(__dirname, '..');
function copy(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) copy(rel);
    else if (name.endsWith('.lua')) cpSync(join(root, rel), join(root, outDir, rel));
  }
}
copy('src');
