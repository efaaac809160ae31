/**
 * `npm run test:integration`: checks against real programs installed on the machine (tests/real/:
 * the instance proxy's Caddyfile under Debian's `caddy`, the backup job's command against Debian's
 * `mariadb-server` with `rclone`), apart from `npm test`, whose tests start only stand-ins written
 * here. Same transform and setup as jest.config.js; one file at a time (each starts servers).
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/tests/real'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
};
