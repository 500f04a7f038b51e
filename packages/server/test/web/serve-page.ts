// Dev helper: serves only the page on 127.0.0.1 (default port 5177). `npx tsx packages/server/test/web/serve-page.ts [port]`
import Fastify from 'fastify';
import { registerWeb } from '../../src/web/index.js';

const app = Fastify({ logger: false });
await registerWeb(app);
const url = await app.listen({ port: Number(process.argv[2] ?? 5177), host: '127.0.0.1' });
console.log(`page at ${url}/`);
