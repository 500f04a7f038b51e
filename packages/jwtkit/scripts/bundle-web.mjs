// The browser build as one ES module file (dist/browser/jwtkit.js): dist/webcrypto.js and its imports,
// bundled by esbuild (a dev dependency; the package itself has no runtime dependency). No node:* import
// can be in it: the bundle is built for the browser platform, and a node: import would fail the build.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../dist/webcrypto.js', import.meta.url).pathname],
  outfile: new URL('../dist/browser/jwtkit.js', import.meta.url).pathname,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
