// Loaded into every test process (npm test, test:only). When `assert.ok(value)` fails without a message,
// Node 20 builds one by reading the call's source text and scanning for its column; on tsx-compiled files
// (one very long line) that scan runs for tens of minutes at 100% CPU, so a plain failed assertion looked
// like a hung test file. A failed message-less assert.ok now fails at once; the stack still names the line.
import './keygen-preload.mjs';
import assert from 'node:assert';
import strict from 'node:assert/strict';

for (const target of new Set([assert, strict])) {
  const ok = target.ok;
  target.ok = function okWithMessage(...args) {
    if (args.length < 2 && !args[0]) return ok.call(this, args[0], 'assert.ok: the value is falsy');
    return ok.apply(this, args);
  };
}
