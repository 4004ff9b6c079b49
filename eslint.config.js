// Lint for the whole project. The layer rules make each folder a runtime (see docs/ARCHITECTURE.md):
// shared/ runs everywhere (no Node, DOM or Electron APIs), renderer/ is DOM, agent/ is Node,
// and only electron/ may import `electron` at runtime (`import type` is fine anywhere). No relative
// import crosses into another layer's folder: shared/ imports only shared/, agent/ and renderer/
// import themselves and shared/.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const electronAtRuntime = {
  name: 'electron',
  message: 'Only electron/ may import electron at runtime; use `import type` elsewhere.',
  allowTypeImports: true,
};
const nodeOnly = ['ws', 'better-sqlite3', 'fastify', '@fastify/static', '@fastify/multipart', 'tar', 'pm2', 'pino', 'pino-pretty', 'commander', 'tsx'];
/** No Node module (built in or Node-only package) and no runtime electron, with a reason. */
const withoutNode = (message) => [
  'error',
  { paths: [electronAtRuntime, ...[...nodeBuiltins, ...nodeOnly].map((name) => ({ name, message }))] },
];

const root = dirname(fileURLToPath(import.meta.url));
const sourceFolders = ['shared', 'agent', 'renderer', 'electron', 'test', 'bench', 'build', 'sdk'];

/**
 * `layers/relative-imports`: refuses a relative import (or export … from, or import()) that resolves
 * into a project folder outside `allow`, or outside the project. The path is resolved, so
 * `../agent/x` and `../../agent/x` are both caught and `./agent-config` or
 * `../shared/contract/agent-info` are not; type imports are refused too (types cross through shared/).
 */
const relativeImports = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: { allow: { type: 'array', items: { type: 'string' } }, why: { type: 'string' } },
        required: ['allow', 'why'],
        additionalProperties: false,
      },
    ],
    messages: { crossing: "'{{source}}' reaches into {{target}}: {{why}}" },
  },
  create(context) {
    const { allow, why } = context.options[0];
    const check = (node) => {
      const source = node?.type === 'Literal' ? node.value : undefined;
      if (typeof source !== 'string' || !/^\.\.?(\/|$)/.test(source)) return;
      const [top] = relative(root, resolve(dirname(context.filename), source)).split(sep);
      const outside = top === '..';
      if (!outside && (!sourceFolders.includes(top) || allow.includes(top))) return;
      context.report({ node, messageId: 'crossing', data: { source, target: outside ? 'a folder outside the project' : `${top}/`, why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};
const layerImports = (allow, why) => ['error', { allow, why }];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', '.bench/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      'eqeqeq': ['error', 'smart'],
    },
  },
  { plugins: { layers: { rules: { 'relative-imports': relativeImports } } } },
  {
    files: ['shared/**'],
    rules: { 'layers/relative-imports': layerImports(['shared'], 'shared/ runs everywhere and depends on nothing outside it.') },
  },
  {
    files: ['agent/**'],
    rules: { 'layers/relative-imports': layerImports(['agent', 'shared'], 'agent/ imports agent/ and shared/ only.') },
  },
  {
    // The SDK is published on its own: it stands on the shared contract, never on the agent.
    files: ['sdk/**'],
    rules: { 'layers/relative-imports': layerImports(['sdk', 'shared'], 'sdk/ talks to the agent through the shared contract.') },
  },
  {
    files: ['renderer/**'],
    rules: {
      'layers/relative-imports': layerImports(['renderer', 'shared'], 'renderer/ talks to the agent through the shared contract.'),
    },
  },
  {
    // The API and stream cores do not know their transports (see docs/ARCHITECTURE.md).
    files: ['agent/api/**', 'agent/stream/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fastify', 'ws'].map((name) => ({ name, message: 'the cores are transport-free: adapters live in agent/server/.' })),
          patterns: [{ group: ['**/server/http-server', '**/server/stream-server'], message: 'the cores are transport-free: adapters call them, not the other way.' }],
        },
      ],
    },
  },
  {
    files: ['agent/server/stream-server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./http-server', '**/http-server'], message: 'the stream adapter stands on the cores, not on the HTTP adapter.' }] },
      ],
    },
  },
  {
    files: ['agent/**', 'test/**', 'bench/**', 'build/**'],
    ignores: ['electron/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [electronAtRuntime] }],
    },
  },
  {
    files: ['shared/**'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: {
      '@typescript-eslint/no-restricted-imports': withoutNode('shared/ runs everywhere: no Node APIs here.'),
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'window', 'document', 'navigator', 'localStorage'].map(
          (name) => ({ name, message: 'shared/ runs everywhere: no Node or DOM globals here.' }),
        ),
      ],
    },
  },
  {
    // React's rules of hooks, for the dashboard.
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': withoutNode(
        'renderer/ runs in Chromium: talk to the agent through the shared contract.',
      ),
    },
  },
  {
    // The dashboard's build configuration runs in Node, not in the page.
    files: ['renderer/vite.config.ts', 'renderer/vite-antd-css.ts', 'renderer/vite-contract-routes.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    // The benchmark's one-cell floor page runs in the browser.
    files: ['bench/ui-floor/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests read untyped JSON replies and assert on them; `any` there is the honest type.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
