// Browser bundle size (`npm run bench:bundle -w bench`): a verify-only import of jwtkit's browser build next to
// jose's jwtVerify, both bundled by the same esbuild with the same settings (ESM, browser platform and
// conditions, minified, tree-shaken), then gzip -9. Writes bench/README.md section `bundle` unless --no-write.

import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { versionOf, writeReadmeSection } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const entries: Array<[string, string]> = [
  ['jwtkit `decode` (verify only)', "export { decode } from 'jwtkit';"],
  ['jose `jwtVerify`', "export { jwtVerify } from 'jose';"],
  ['jwtkit `decode` + `createRemoteJwks`', "export { decode, createRemoteJwks } from 'jwtkit';"],
  ['jose `jwtVerify` + `createRemoteJWKSet`', "export { jwtVerify, createRemoteJWKSet } from 'jose';"],
  ['jwtkit `encode` + `decode`', "export { encode, decode } from 'jwtkit';"],
  ['jose `SignJWT` + `jwtVerify`', "export { SignJWT, jwtVerify } from 'jose';"],
];
const rows: string[] = [];
for (const [name, contents] of entries) {
  const out = await build({
    stdin: { contents, resolveDir: here, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    minify: true,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  const code = out.outputFiles[0]!.contents;
  const gz = gzipSync(code, { level: 9 }).length;
  rows.push(`| ${name} | ${code.length.toLocaleString('en-US')} | ${gz.toLocaleString('en-US')} |`);
  console.log(`${name}: ${code.length} B minified, ${gz} B gzipped`);
}
const body = `### Browser bundle size

\`npm run bench:bundle -w bench\`: esbuild ${versionOf('esbuild')} (\`--bundle --format=esm --platform=browser --minify\`), gzip -9; jose ${versionOf('jose')}.

| import | minified (bytes) | minified + gzip (bytes) |
| --- | ---: | ---: |
${rows.join('\n')}`;
if (!process.argv.includes('--no-write')) writeReadmeSection('bundle', body);
