// Preloaded (node --require) by tests/e2e/readme.test.ts into every `node` of the walkthrough: Node
// before 22 has no global WebSocket, and the README says its blocks run on the shell's own Node
// from 18 on, while `npm test` puts Node 24 first on the PATH. Taking the global away makes the
// test see what an older Node would.
delete globalThis.WebSocket;
