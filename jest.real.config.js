/**
 * `npm run test:integration`: checks against real programs installed on the machine (tests/real/,
 * e.g. the instance proxy's Caddyfile under Debian's `caddy`), apart from `npm test`, whose tests
 * start only stand-ins written here. Same transform and setup as jest.config.js.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/tests/real'],
  testPathIgnorePatterns: ['/node_modules/'],
};
