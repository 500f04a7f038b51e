// The probe every real runtime runs (Chromium, Deno, Bun, workerd): plain JavaScript, given the module it
// got from `import * as jwtkit from 'jwtkit'` (resolved by that runtime's own export conditions) and the
// cases made on Node (runtimes.test.ts). It returns one result per case; Node compares them with what the
// cases expect. Nothing here decides pass or fail.

async function outcome(run) {
  try {
    // Claims travel as JSON text: a structured clone (Chromium -> playwright) would drop an own __proto__.
    const value = await run();
    return { ok: true, value: JSON.stringify(value) };
  } catch (e) {
    return { ok: false, error: e && typeof e === 'object' ? e.name : typeof e };
  }
}

export async function probe(jwtkit, cases) {
  const results = { backend: jwtkit.backend ?? 'node', verify: [], sign: [] };
  for (const c of cases.verify) {
    results.verify.push({ name: c.name, ...(await outcome(() => jwtkit.decode(c.token, c.key, c.options))) });
  }
  for (const c of cases.sign) {
    results.sign.push({
      name: c.name,
      ...(await outcome(() => jwtkit.encode(c.payload, c.key, { algorithm: c.alg }))),
    });
  }
  // JWE: decrypt what Node encrypted (and a tampered copy), encrypt for Node to decrypt.
  results.jwe = [];
  results.jweEncrypt = [];
  const text = new TextDecoder();
  for (const c of cases.jwe ?? []) {
    results.jwe.push({
      name: c.name,
      ...(await outcome(async () =>
        text.decode((await jwtkit.decryptJwe(c.token, c.key, c.options)).plaintext),
      )),
    });
  }
  for (const c of cases.jweEncrypt ?? []) {
    results.jweEncrypt.push({
      name: c.name,
      ...(await outcome(() => jwtkit.encryptJwe('encrypted on Node: Grüße', c.key, c.options))),
    });
  }
  return results;
}

/** The hono middleware (`jwtkit/hono`) answering three requests inside the runtime. */
export async function probeHono(Hono, jwtAuth, cases) {
  const app = new Hono();
  app.use(
    '/api/*',
    jwtAuth({
      key: cases.hono.key,
      algorithms: ['HS256'],
      issuer: cases.hono.issuer,
      audience: cases.hono.audience,
    }),
  );
  app.get('/api/me', (c) => c.json({ sub: c.get('auth').sub }));
  const ask = async (auth) => {
    const res = await app.request('/api/me', auth ? { headers: { authorization: auth } } : {});
    return { status: res.status, body: await res.text() };
  };
  return {
    good: await ask(`Bearer ${cases.hono.token}`),
    bad: await ask(`Bearer ${cases.hono.token}x`),
    none: await ask(null),
  };
}
