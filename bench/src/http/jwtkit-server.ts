// Our server (packages/server buildApp) for `npm run bench:http`, run in its own child process.
// Usage: node --import tsx jwtkit-server.ts <HS256|ES256>
// Prints one JSON line {"port":..,"token":..} (or {"error":..}) on stdout once listening on 127.0.0.1.
async function main(): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(String('../../../packages/server/src/app.js'))) as Record<string, unknown>;
  } catch (e) {
    process.stdout.write(
      `${JSON.stringify({ error: `packages/server buildApp not available: ${(e as Error).message.split('\n')[0]}` })}\n`,
    );
    process.exit(1);
  }
  void mod;
  process.stdout.write(`${JSON.stringify({ error: 'not wired yet' })}\n`);
  process.exit(1);
}
await main();
