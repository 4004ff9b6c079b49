/**
 * The dashboard calls the agent through the contract's method table (`shared/contract/api.ts`),
 * but only needs each method's verb and path; the table also holds every input schema, and
 * building those (and loading the validation library) cost the cold start about 100 ms. So the
 * dashboard's build replaces that module with its routes, computed here from the very same
 * table: one source, no copy to keep in step. The types still come from the real module.
 */
import { fileURLToPath } from 'node:url';
import { type Plugin, runnerImport } from 'vite';
import type * as Contract from '../shared/contract/api';

const CONTRACT = fileURLToPath(new URL('../shared/contract/api.ts', import.meta.url));

/** The module the dashboard gets for `shared/contract/api.ts`. */
export function routesModule({ api, API_PREFIX }: Pick<typeof Contract, 'api' | 'API_PREFIX'>): string {
  const routes = Object.fromEntries(
    Object.entries(api).map(([name, declaration]) => {
      const { method, path, scope } = declaration;
      const taskParam = (declaration as { taskParam?: string }).taskParam;
      return [name, { method, path, scope, ...(taskParam === undefined ? {} : { taskParam }) }];
    }),
  );
  return `// The contract's routes, without their input schemas (renderer/vite-contract-routes.ts).\nexport const API_PREFIX = ${JSON.stringify(API_PREFIX)};\nexport const api = ${JSON.stringify(routes)};\n`;
}

export function contractRoutes(): Plugin {
  let source: string | undefined;
  return {
    name: 'algodeck:contract-routes',
    enforce: 'pre',
    async load(id) {
      if (id.split('?')[0] !== CONTRACT) return undefined;
      // The real table, run once through Vite's own module runner (TypeScript, our imports).
      source ??= routesModule((await runnerImport<typeof Contract>(CONTRACT, { configFile: false, logLevel: 'error' })).module);
      return source;
    },
  };
}
