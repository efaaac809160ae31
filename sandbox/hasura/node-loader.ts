// Loads a package through Node's own module loader instead of the host's `require`.
//
// Jest runs test files in a CommonJS sandbox that cannot execute `import()` without
// `--experimental-vm-modules`, yet PGlite's Emscripten glue calls `import("node:module")` while
// starting, and `jose` ships as ES modules only. Node's own loader handles both (Node >= 20.17
// can `require()` ES modules), so the stand-in loads them from there, in every host. Objects from
// those packages come from Node's main realm: check them by shape, never with `instanceof`.

import type { Module as NodeModuleType } from 'node:module';
import { dirname } from 'node:path';

type ModuleClass = typeof NodeModuleType & {
  new (id: string): NodeModuleType;
  _nodeModulePaths(from: string): string[];
  _resolveFilename(request: string, parent: NodeModuleType): string;
};

let loaderModule: NodeModuleType | undefined;

function moduleClass(): ModuleClass {
  return process.getBuiltinModule('node:module') as unknown as ModuleClass;
}

function loader(): NodeModuleType {
  if (loaderModule) return loaderModule;
  const ModuleClass = moduleClass();
  const module = new ModuleClass(__filename);
  module.filename = __filename;
  module.paths = ModuleClass._nodeModulePaths(dirname(__filename));
  loaderModule = module;
  return module;
}

export function nodeRequire<T>(id: string): T {
  return loader().require(id) as T;
}

/** The file Node's loader would load for `id`. */
export function nodeResolve(id: string): string {
  return moduleClass()._resolveFilename(id, loader());
}
