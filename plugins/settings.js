// Serverless plugin: each function's settings, secrets and IAM role, derived from its code.
// The logic is TypeScript (plugins/settings-plugin.ts, type-checked and tested), loaded with tsx.
const Module = require('node:module');
const { require: tsxRequire } = require('tsx/cjs/api');
const { SettingsPlugin } = tsxRequire('./settings-plugin.ts', __filename);

/**
 * `handler.sections` of a function module. Importing one runs nothing but declarations; esbuild
 * bundles it first (as the deploy does) because some dependencies are ESM-only (middy).
 */
async function loadSections(file) {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [`${file}.ts`],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  const loaded = new Module(file, module);
  loaded.filename = `${file}.js`;
  loaded.paths = Module._nodeModulePaths(require('node:path').dirname(file));
  loaded._compile(result.outputFiles[0].text, `${file}.js`);
  return loaded.exports.handler?.sections;
}

module.exports = class SettingsServerlessPlugin {
  static loadSections = loadSections;

  constructor(serverless, options, utils) {
    const plugin = new SettingsPlugin(serverless, options, utils?.log ?? console, loadSections);
    this.hooks = plugin.hooks;
    // The schema of `iamStatements` must be known before the configuration is validated.
    serverless.configSchemaHandler?.defineFunctionProperties('aws', {
      properties: { iamStatements: { type: 'array', items: { type: 'object' } } },
    });
  }
};
