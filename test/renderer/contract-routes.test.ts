/**
 * The dashboard's build replaces the contract's method table with its routes (verb, path, scope),
 * computed from the same table: these must be the table's own, and the scripts a cold start
 * loads must not carry the validation library the schemas need.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_PREFIX, api } from '../../shared/contract/api';
import { routesModule } from '../../renderer/vite-contract-routes';

test('the routes module has every method of the contract, with its verb, path, scope and task parameter', async () => {
  const source = routesModule({ api, API_PREFIX });
  const generated = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { api: Record<string, unknown>; API_PREFIX: string };
  assert.equal(generated.API_PREFIX, API_PREFIX);
  assert.deepEqual(Object.keys(generated.api).sort(), Object.keys(api).sort());
  for (const [name, declaration] of Object.entries(api)) {
    const taskParam = (declaration as { taskParam?: string }).taskParam;
    assert.deepEqual(generated.api[name], { method: declaration.method, path: declaration.path, scope: declaration.scope, ...(taskParam === undefined ? {} : { taskParam }) }, name);
  }
  assert.equal(/\bimport\b|zod|safeParse/.test(source), false, 'no schema travels with the routes, and nothing is imported');
});

test('what a cold start loads (the page, its entry and preloads) carries no validation library', () => {
  const dir = new URL('../../dist/renderer/', import.meta.url);
  assert.ok(existsSync(new URL('index.html', dir)), 'the dashboard is built (npm run build:renderer, which npm test runs first)');
  const html = readFileSync(new URL('index.html', dir), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
  assert.ok(scripts.length >= 3, `the boot script, the entry and its preloads: ${scripts.join(', ')}`);
  for (const script of scripts) {
    assert.equal(readFileSync(new URL(script, dir), 'utf8').includes('ZodError'), false, `${script} carries zod`);
  }
});
