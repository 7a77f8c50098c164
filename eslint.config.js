import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// apps → (composition →) adapters → core; tooling (the dev stack) sits beside apps.
const depConstraints = [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:composition',
      'type:adapter',
      'type:domain',
      'type:tooling',
      'type:testing',
      'type:client',
      'type:instrumentation',
    ],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: [
      'type:adapter',
      'type:domain',
      'type:tooling',
      'type:client',
      'type:instrumentation',
    ],
  },
  // The published browser + Node client (@airlock/client) stands alone: it
  // speaks only the HTTP API, and no server-side code (core, adapters) uses it.
  { sourceTag: 'type:client', onlyDependOnLibsWithTags: [] },
  {
    sourceTag: 'type:tooling',
    onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:instrumentation'],
  },
  // Composition libs (@airlock/worker, the shell every worker shares) wire several
  // adapters together, which an adapter may not do. Only apps import them.
  {
    sourceTag: 'type:composition',
    onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:instrumentation'],
  },
  // @airlock/tracing: spans, trace context and log fields on @opentelemetry/api
  // alone (a no-op until a process registers the SDK: @airlock/runtime's
  // startTracing). Every layer but the pure domain may trace its work.
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:instrumentation'] },
  { sourceTag: 'type:instrumentation', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
  // The CDK app describes the deployment; it imports no runtime code.
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: [] },
];

// The tests of adapters and tooling may use the shared test helpers too
// (@airlock/testing): fixtures, byte builders, stack clients. Never their sources.
const testDepConstraints = depConstraints.map((constraint) =>
  ['type:adapter', 'type:tooling'].includes(constraint.sourceTag)
    ? {
        ...constraint,
        onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'],
      }
    : constraint,
);
/**
 * no-restricted-imports for shipped code under `files`: the test helpers plus
 * `paths`. ESLint replaces (does not merge) a rule set again for the same
 * files, hence the test helpers repeated here.
 */
const shippedCodeMayNotImport = (files, ...paths) => ({
  files,
  ignores: ['**/*.spec.ts'],
  rules: { 'no-restricted-imports': ['error', { paths: ['@airlock/testing', ...paths] }] },
});

const moduleBoundaries = (constraints) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: [],
    depConstraints: constraints,
    banTransitiveDependencies: false,
    // Tests may load the dev stack statically; apps/ops/src may not (the
    // no-restricted-imports rule for apps/ops/src below).
    checkDynamicDependenciesExceptions: ['@airlock/dev-stack'],
  },
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/cdk.out/**',
      '.nx/**',
      '.airlock/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      // Non-null assertions mark what noUncheckedIndexedAccess cannot know (rows[0] after INSERT … RETURNING).
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.js'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(depConstraints) },
  },
  {
    files: ['libs/*/test/**/*.ts', 'libs/*/src/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(testDepConstraints) },
  },
  {
    files: ['libs/core/**/*.ts'],
    ignores: ['libs/core/**/*.spec.ts'],
    rules: {
      // The domain is pure: no SDK, no driver, no framework.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@aws-sdk/*',
            'pg',
            'express',
            'pino',
            'clamscan',
            'sharp',
            'node:fs',
            'node:net',
            'node:http',
          ],
        },
      ],
    },
  },
  {
    files: ['libs/client/src/**/*.ts'],
    ignores: ['libs/client/src/**/*.spec.ts'],
    rules: {
      // Runs in browsers too: web platform APIs only (fetch, Blob, AbortSignal, Web Crypto).
      'no-restricted-imports': ['error', { patterns: ['node:*', '@airlock/*', '@aws-sdk/*'] }],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname'],
    },
  },
  {
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    // The client's own rule (above) bans every @airlock/* import.
    ignores: ['**/*.spec.ts', 'libs/testing/**', 'libs/core/**', 'libs/client/**'],
    rules: {
      // Test helpers never ship: only tests may import them.
      'no-restricted-imports': ['error', { paths: ['@airlock/testing'] }],
    },
  },
  // The dev stack is loaded with import() inside `dev` and `demo` only, so no
  // other command loads it (apps/ops/test/dev-stack-lazy.test.ts).
  shippedCodeMayNotImport(['apps/ops/src/**/*.ts'], {
    name: '@airlock/dev-stack',
    message: "import('@airlock/dev-stack') inside the `dev` or `demo` action.",
    allowTypeImports: true,
  }),
  // Handlers know core's ports, not the adapters or configuration that fill
  // them (compose.ts wires those in).
  shippedCodeMayNotImport(
    ['apps/*/src/handlers/**/*.ts'],
    { name: '@airlock/postgres', message: "Depend on core's ports (@airlock/core)." },
    { name: '@airlock/config', message: "Depend on core's types (@airlock/core)." },
    { name: '@airlock/s3', message: "Depend on core's ObjectStore port (@airlock/core)." },
  ),
  {
    files: ['**/jest.config.js', '**/jest.integration.config.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
];
