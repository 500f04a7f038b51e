// Regenerates docs/screenshots/*.png from the browser tests themselves (Debian Chromium, the real app
// in-process): each picture is taken by the test that has just checked what it shows (see `shot()` in
// _harness.ts). Usage: npx tsx packages/server/test/web/screenshots.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromiumAvailable, SCREENSHOT_DIR } from './_harness.js';

if (!chromiumAvailable()) {
  console.error('chromium not installed at /usr/bin/chromium');
  process.exit(1);
}
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './scripts/assert-preload.mjs',
    'scripts/run-tests.mjs',
    'packages/server/test/web/page.test.ts',
    'packages/server/test/web/person.test.ts',
    'packages/server/test/web/learn.test.ts',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, JWTKIT_SCREENSHOTS: '1' } },
);
if (run.status !== 0) {
  console.error('the browser tests failed: the screenshots may be incomplete');
  process.exit(run.status ?? 1);
}
console.log(`screenshots written to ${SCREENSHOT_DIR}`);
