/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // jose is published as ES modules only: Node (>= 20.19) requires it as it is, Jest needs it in CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 60000,
  // One fresh, migrated PGlite database per run, copied by every test that needs one (test/support/pgliteTemplate.ts).
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  maxWorkers: 3,
  // The longest files first, on a fresh clone too (test/support/longestFirst.js).
  testSequencer: '<rootDir>/test/support/longestFirst.js',
  verbose: true,
  // The ten slowest test files at the end of every run, so that a file growing slow shows.
  reporters: ['default', '<rootDir>/test/support/slowestFiles.js'],
};
