#!/usr/bin/env node
// The `jwtkit` command: a thin shim over dist/cli/main.js (built by `npm run build -w packages/jwtkit`).
import { main } from '../dist/cli/main.js';

// The library reports short HMAC keys with process.emitWarning; the CLI already says so in its own
// words, so only that warning type is dropped. Every other warning is printed as usual.
const defaultHandlers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'JwtKitWarning') return;
  for (const handler of defaultHandlers) handler(warning);
});

// `jwtkit decode ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
});
