import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';
import { MAIN_ELEMENTS, MAIN_LAYER_POLICIES } from './eslint.layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'training/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: ['**/main/**', '**/preload/**', 'node:*', 'electron'] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/main/**', '**/renderer/**', '**/preload/**', 'node:*', 'electron', 'react'] }],
    },
  },
  {
    // The sandboxed preload bundles what it imports: names come from shared/ops.ts, never the zod contract.
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/shared/api', 'zod', '**/main/**', '**/renderer/**'] }],
    },
  },
  {
    // Layers inside the main process (docs/architecture.md): each folder imports only the layers below it.
    files: ['src/main/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': MAIN_ELEMENTS,
      'boundaries/include': ['src/**/*.ts', 'package.json'],
      'import/resolver': { node: { extensions: ['.ts', '.json'] } },
      // Single files (app.ts, context.ts, domain.ts) are layers too, which needs `mode: 'full'`; v7 calls it legacy.
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: MAIN_LAYER_POLICIES }],
      'boundaries/no-unknown-dependencies': 'error',
      'boundaries/no-unknown-files': 'error',
    },
  },
  {
    // Only the store runs SQL: a statement anywhere else gets a named function in src/main/store/ instead.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/store/**', 'src/main/testing/**', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name=/^(prepare|pragma|transaction)$/]", message: 'Only src/main/store/ runs SQL: add a named function there.' },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}', 'scripts/**', 'bin/**'],
    languageOptions: { globals: globals.node },
  },
  {
    // The bin stub stays CommonJS so that it runs on any Node without a loader.
    files: ['bin/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
