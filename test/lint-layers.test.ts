import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/** Source text importing from electron at runtime (spelled so that a grep for such imports skips this test). */
const ELECTRON = 'electron';
const runtimeElectronImport = `import { app } from '${ELECTRON}';\nexport const x = app;\n`;

const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

test('shared/ may not use Node, DOM or Electron APIs', async () => {
  for (const code of [
    "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    "import { join } from 'path';\nexport const x = join;\n",
    "import WebSocket from 'ws';\nexport const x = WebSocket;\n",
    runtimeElectronImport,
    'export const x = process.env.HOME;\n',
    'export const x = Buffer.from([1]);\n',
    'export const x = document.title;\n',
  ]) {
    const found = await problems('shared/bad.ts', code);
    assert.ok(found.some((r) => /no-restricted-(imports|globals)/.test(r)), `allowed in shared/: ${code}`);
  }
  assert.deepEqual(await problems('shared/good.ts', "import { z } from 'zod';\nexport const x = z.string();\n"), []);
});

test('only electron/ imports electron at runtime; type imports are fine anywhere', async () => {
  const runtime = runtimeElectronImport;
  const typeOnly = "import type { App } from 'electron';\nexport type X = App;\n";
  assert.ok((await problems('agent/bad.ts', runtime)).some((r) => /no-restricted-imports/.test(r)));
  assert.ok((await problems('renderer/bad.ts', runtime)).some((r) => /no-restricted-imports/.test(r)));
  assert.deepEqual(await problems('agent/fine.ts', typeOnly), []);
  assert.deepEqual(await problems('electron/fine.ts', runtime), []);
});

test('renderer/ may not use Node APIs', async () => {
  const found = await problems('renderer/bad.ts', "import { spawn } from 'node:child_process';\nexport const x = spawn;\n");
  assert.ok(found.some((r) => /no-restricted-imports/.test(r)));
});

const CROSSING = 'layers/relative-imports';
const importing = (source: string) => `import { x } from '${source}';\nexport const y = x;\n`;

test('no relative import reaches into another layer, from any depth', async () => {
  const bad: Array<[string, string]> = [
    ['shared/bad.ts', '../agent/agent'],
    ['shared/contract/bad.ts', '../../agent/agent'],
    ['shared/contract/deep/bad.ts', '../../../agent/ticker/tick-hub'],
    ['shared/bad.ts', '../renderer/view'],
    ['shared/contract/bad.ts', '../../electron/utility-process-host'],
    ['shared/bad.ts', '../test/helpers/x'],
    ['shared/bad.ts', '../agent'],
    ['shared/bad.ts', './../agent/x'],
    ['shared/contract/bad.ts', '../../shared/../agent/x'],
    ['renderer/bad.ts', '../agent/agent-api'],
    ['renderer/views/bad.ts', '../../agent/agent-api'],
    ['renderer/bad.ts', '../electron/utility-process-host'],
    ['agent/bad.ts', '../renderer/view'],
    ['agent/ticker/bad.ts', '../../renderer/view'],
    ['agent/ticker/kite/bad.ts', '../../../electron/utility-process-host'],
    ['agent/bad.ts', '../bench/consumer'],
    ['agent/bad.ts', '../../elsewhere/x'],
  ];
  for (const [file, source] of bad) {
    for (const code of [
      importing(source),
      `import type { X } from '${source}';\nexport type Y = X;\n`,
      `export { x } from '${source}';\n`,
      `export * from '${source}';\n`,
      `export const load = () => import('${source}');\n`,
    ]) {
      const found = await problems(file, code);
      assert.ok(found.includes(CROSSING), `allowed in ${file}: ${code}`);
    }
  }
});

test('relative imports within a layer, into shared/, and from test/bench/build are fine', async () => {
  const good: Array<[string, string]> = [
    ['shared/good.ts', './tick'],
    ['shared/contract/good.ts', '../tick'],
    ['shared/contract/good.ts', './agent-info'],
    ['shared/contract/good.ts', '../agent/x'], // shared/agent/, a folder of shared/ that happens to be called agent
    ['renderer/good.ts', '../shared/contract/api'],
    ['renderer/views/good.ts', '../../shared/contract/agent-info'],
    ['renderer/views/good.ts', '../state'],
    ['agent/good.ts', './agent-config'],
    ['agent/good.ts', '../shared/contract/agent-info'],
    ['agent/ticker/good.ts', '../../shared/tick-frame'],
    ['agent/ticker/kite/good.ts', '../../agent'],
    ['agent/good.ts', '../package.json'],
    ['test/agent/good.ts', '../../agent/agent'],
    ['test/good.ts', '../renderer/view'],
    ['bench/good.ts', '../agent/agent'],
    ['build/good.ts', '../electron/utility-process-host'],
    ['electron/good.ts', '../agent/process/process-host'],
  ];
  for (const [file, source] of good) {
    const found = await problems(file, importing(source));
    assert.ok(!found.includes(CROSSING), `refused in ${file}: ${source}`);
  }
  // Package names are not paths, whatever they are called.
  assert.deepEqual(await problems('shared/good.ts', importing('agent-base')), []);
});

test('the API and stream cores import no transport, and the stream adapter not the HTTP one', async () => {
  const cases: Array<[string, string]> = [
    ['agent/api/x.ts', "import Fastify from 'fastify';\nexport const x = Fastify;\n"],
    ['agent/stream/x.ts', "import { WebSocket } from 'ws';\nexport const x = WebSocket;\n"],
    ['agent/stream/x.ts', "import { createHttpServer } from '../server/http-server';\nexport const x = createHttpServer;\n"],
    ['agent/api/x.ts', "import { StreamServer } from '../server/stream-server';\nexport const x = StreamServer;\n"],
    ['agent/server/stream-server.ts', "import { rawErrorResponse } from './http-server';\nexport const x = rawErrorResponse;\n"],
  ];
  for (const [file, code] of cases) {
    assert.ok((await problems(file, code)).includes('no-restricted-imports'), `allowed in ${file}: ${code}`);
  }
  assert.deepEqual(await problems('agent/stream/x.ts', "import { ApiError } from '../../shared/errors';\nexport const x = ApiError;\n"), []);
  assert.deepEqual(await problems('agent/server/stream-server.ts', "import { OwnerToken } from './auth';\nexport const x = OwnerToken;\n"), []);
});
