/**
 * The desktop app's packaging, checked where the installers cannot be made (no Electron download
 * here): electron-builder's own loader and schema accept the configuration; the built tree has
 * every entry the app starts (main, preload, the embedded agent and its processes, the page) and
 * the configuration packs them; what the bundles import at run time is Node's, Electron's, or a
 * production dependency; the committed icons are the ones the generator draws.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderIcons } from '../../build/make-icons';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
const CONFIG = 'build/electron-builder.yml';

interface BuilderConfig {
  productName?: string;
  icon?: string;
  files?: unknown;
  asarUnpack?: unknown;
}

/**
 * The configuration as electron-builder loads it, after its own schema check; in a process of its
 * own, as electron-builder logs to standard output, which the test runner reads here.
 */
function loadConfig(): BuilderConfig {
  const script = [
    "import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';",
    "import { DebugLogger } from 'builder-util';",
    `const config = await getConfig(process.cwd(), ${JSON.stringify(CONFIG)}, null);`,
    'await validateConfiguration(config, new DebugLogger(false));',
    "process.stdout.write('\\n' + JSON.stringify(config) + '\\n');",
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as BuilderConfig;
}

test("electron-builder's loader and schema accept the configuration", () => {
  const config = loadConfig();
  assert.equal(config.productName, 'AlgoDeck');
  assert.ok(config.asarUnpack && [config.asarUnpack].flat().includes('node_modules/better-sqlite3/**'), 'the native module stays outside the archive');
  for (const icon of [config.icon]) assert.ok(icon && existsSync(join(root, icon)), `${icon} exists`);
});

test('the built tree has every entry the app starts, and the configuration packs them', () => {
  // (Not inherited: the test runner reads this process's standard output.)
  for (const script of ['build:agent', 'build:desktop']) execFileSync('npm', ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const entries = [
    pkg.main,
    'dist/electron/preload.cjs',
    'dist/agent/embedded-main.mjs',
    'dist/agent/ticker/worker-main.mjs',
    'dist/agent/market/sim/sim-exchange-main.mjs',
    'dist/renderer/index.html',
  ];
  const main = readFileSync(join(root, pkg.main), 'utf8');
  // The paths the main process computes: the page, the preload and the icons under the app's root.
  const refers: Array<[string, string]> = [
    ["'dist', 'electron', 'preload.cjs'", 'dist/electron/preload.cjs'],
    ["'dist', 'renderer'", 'dist/renderer'],
    ["'build', 'icons'", 'build/icons'],
    // hosted-entries.ts: `../agent/<name>.mjs` beside the bundle, one level under dist/.
    ['entry("embedded-main")', 'dist/agent/embedded-main.mjs'],
    ['`../agent/${relative}.mjs`', 'dist/agent/embedded-main.mjs'],
  ];
  for (const [part, path] of refers) {
    assert.ok(main.includes(part.replaceAll("'", '"')) || main.includes(part), `main refers to ${path}`);
  }
  const config = loadConfig();
  // electron-builder normalises `files` to `[{ filter: [...] }]`.
  const files = [config.files].flat().flatMap((entry) => (typeof entry === 'string' ? [entry] : ((entry as { filter?: string[] }).filter ?? [])));
  for (const entry of entries) {
    assert.ok(existsSync(join(root, entry)), `${entry} is built`);
    assert.ok(files.some((pattern) => typeof pattern === 'string' && !pattern.startsWith('!') && (pattern === entry || entry.startsWith(pattern.replace(/\*\*$/, '')))), `${entry} is packed`);
  }
  for (const name of Object.keys(renderIcons())) assert.ok(files.includes('build/icons/**') && existsSync(join(root, 'build', 'icons', name)), name);
});

test('the bundles import only Node, Electron, and production dependencies (what a packed app can load)', () => {
  const bundles = ['dist/electron/main.mjs', 'dist/agent/embedded-main.mjs', 'dist/agent/ticker/worker-main.mjs', 'dist/agent/market/sim/sim-exchange-main.mjs', 'dist/agent/cli.mjs'];
  for (const bundle of bundles) {
    const text = readFileSync(join(root, bundle), 'utf8');
    const specifiers = new Set([...text.matchAll(/(?:^|\n)import\s[^;]*?from\s*"([^"]+)"|(?:^|\n)import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? match[2] ?? match[3]!));
    assert.ok(specifiers.size > 0, `${bundle} imports something`);
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:') || specifier.startsWith('.')) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      assert.ok(name === 'electron' ? bundle.startsWith('dist/electron/') : Object.hasOwn(pkg.dependencies, name), `${bundle} imports ${specifier}, which is not a production dependency`);
    }
  }
  const preload = readFileSync(join(root, 'dist/electron/preload.cjs'), 'utf8');
  assert.deepEqual([...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]), ['electron'], 'a sandboxed preload can require Electron alone');
});

test('the committed icons are what the generator draws: the app icon at 512 px, the tray states at 16 and 32 px', () => {
  for (const [name, bytes] of Object.entries(renderIcons())) {
    const committed = readFileSync(join(root, 'build', 'icons', name));
    assert.ok(committed.equals(bytes), `${name}: run \`node --import tsx build/make-icons.ts\``);
    assert.equal(committed.subarray(1, 4).toString('latin1'), 'PNG');
    const size = committed.readUInt32BE(16);
    assert.equal(size, name === 'icon.png' ? 512 : name.includes('@2x') ? 32 : 16, name);
  }
});
