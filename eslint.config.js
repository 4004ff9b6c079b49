// Lint for the whole project. The layer rules make each folder a runtime (see docs/ARCHITECTURE.md):
// shared/ runs everywhere (no Node, DOM or Electron APIs), renderer/ is DOM, agent/ is Node,
// and only electron/ may import `electron` at runtime (`import type` is fine anywhere).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const electronAtRuntime = {
  name: 'electron',
  message: 'Only electron/ may import electron at runtime; use `import type` elsewhere.',
  allowTypeImports: true,
};
const nodeOnly = ['ws', 'better-sqlite3', 'fastify', 'pino', 'pino-pretty', 'commander', 'tsx'];
/** No Node module (built in or Node-only package) and no runtime electron, with a reason. */
const withoutNode = (message) => [
  'error',
  { paths: [electronAtRuntime, ...[...nodeBuiltins, ...nodeOnly].map((name) => ({ name, message }))] },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      'eqeqeq': ['error', 'smart'],
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
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': withoutNode(
        'renderer/ runs in Chromium: talk to the agent through the shared contract.',
      ),
    },
  },
  {
    // Tests read untyped JSON replies and assert on them; `any` there is the honest type.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
