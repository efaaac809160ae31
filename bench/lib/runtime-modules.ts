import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Lambda's Node.js runtime provides the AWS SDK (the bundles leave `@aws-sdk/*` out), for ES
 * modules too. Here it comes from NODE_PATH (the project's node_modules, bench/lib/child.ts), which
 * `import()` ignores: resolve those packages from there, as `require` would.
 */
export function resolveRuntimeModules(nodePath = process.env.NODE_PATH ?? ''): void {
  if (!nodePath) return;
  const from = pathToFileURL(join(nodePath, 'runtime-modules.js')).href;
  registerHooks({
    resolve(specifier, context, next) {
      if (
        specifier.startsWith('@aws-sdk/') ||
        specifier.startsWith('@aws-lambda-powertools/') ||
        specifier.startsWith('@smithy/')
      )
        return next(specifier, { ...context, parentURL: from });
      return next(specifier, context);
    },
  });
}
