/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // tests/real/ needs programs installed on the machine (Caddy, MariaDB, rclone): `npm run test:integration`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/real/'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // middy, jose's ESM build, emailjs and friends ship ESM only: let swc turn them into CommonJS too.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|graphql-request|valibot|jose|emailjs)/)'],
  // middy 7 publishes ESM-only `exports` (an `import` condition and no `require`), which Jest's
  // CommonJS resolver cannot match: point it at the files, which swc then transforms.
  moduleNameMapper: {
    '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js',
  },
  setupFiles: ['<rootDir>/tests/setup-env.ts'],
  // Fails the test during which a Qovery stand-in saw a call or sent an answer Qovery's API forbids.
  setupFilesAfterEnv: ['<rootDir>/tests/setup-contract.ts'],
  testTimeout: 30000,
};
