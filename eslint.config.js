// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vitest from '@vitest/eslint-plugin';

// Infrastructure SDKs may only be imported by the adapters (ARCHITECTURE.md, Layout).
const infrastructurePackages = [
  { group: ['pg', 'pg-*'], message: 'Only shared/adapters/ may talk to PostgreSQL.' },
  { group: ['@electric-sql/*'], message: 'Only shared/adapters/ may use PGlite.' },
  { group: ['@aws-sdk/*', '@aws-crypto/*', 'aws-sdk'], message: 'Only shared/adapters/ may use the AWS SDK.' },
  { group: ['@middy/*', '@aws-lambda-powertools/*'], message: 'The core knows nothing of middy or Lambda.' },
  { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'CDK belongs in infra/.' },
];

// The ledger is pure computation: bytes in, bytes out.
const ioModules = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'worker_threads', 'cluster',
].flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.chartproof/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // What the Lambda bundles are made of.
    files: ['functions/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // The named export `z` is all of zod as one object, so a bundle keeps everything, its 48
          // locales included: 320 KiB more in every Lambda bundle, and import time with it.
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          message: "Import zod as a namespace, `import * as z from 'zod'` (STYLE.md), so bundles keep only what is used.",
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/adapters/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: infrastructurePackages }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only composition roots read the environment.' }],
    },
  },
  {
    files: ['shared/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'shared/ledger is pure: no I/O.' })), patterns: infrastructurePackages }],
    },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { vitest },
    rules: {
      ...vitest.configs.recommended.rules,
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
    },
  },
);
