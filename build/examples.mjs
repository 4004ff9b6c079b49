// `npm run build:examples`: the example algos as an agent runs them, in dist/examples/ (or the
// folder given): each TypeScript example one file with the SDK (and `ws`) inside, so it runs with
// nothing installed beside it; the Python example beside a copy of the Python SDK, which it
// imports from its own folder.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist/examples'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['ma-crossover.ts', 'risk-aware-pair.ts'].map((name) => join(root, 'examples', name)),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  // `ws` asks for these optional native helpers inside a try; it works without them.
  external: ['bufferutil', 'utf-8-validate'],
  // Bundled CommonJS (`ws`) requires Node's own modules: give the ES module a `require`.
  banner: { js: "import { createRequire as __algodeckRequire } from 'node:module'; const require = __algodeckRequire(import.meta.url);" },
  logLevel: 'warning',
});
cpSync(join(root, 'examples/breakout.py'), join(out, 'breakout.py'));
cpSync(join(root, 'sdk/python/algodeck'), join(out, 'algodeck'), { recursive: true, filter: (path) => !path.includes('__pycache__') });
