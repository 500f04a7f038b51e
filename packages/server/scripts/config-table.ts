/**
 * `npm run config-table -w packages/server`: rewrites the configuration table of packages/server/README.md
 * from src/settings.ts (between the config-table markers). `--check` exits 1 when the README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../src/settings.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const current = readFileSync(readmePath, 'utf8');
const next = withConfigTable(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    process.stderr.write(
      'packages/server/README.md: the configuration table is stale; run npm run config-table -w packages/server\n',
    );
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(readmePath, next);
  process.stdout.write('packages/server/README.md: configuration table regenerated\n');
}
