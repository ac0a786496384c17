#!/usr/bin/env node
// The finegate CLI. TypeScript sources run through tsx, so the CLI and the Lambdas share one code path.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`finegate needs Node.js 22 or newer (this is ${process.version}).`);
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../infra/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
