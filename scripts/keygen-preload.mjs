// Loaded into every test process (through assert-preload.mjs). Node deadlocks its main thread when a key
// fresh from a generation job is exported while the garbage collector frees that job (the job's destructor
// locks the key's mutex, which the export holds while it allocates; KeyPairGenConfig in node's
// src/crypto/crypto_keygen.h). jwtkit's own generateKeyPair never hands out such a key
// (packages/jwtkit/test/keys/keygen-deadlock.test.ts proves it in plain node processes, without this file).
// Tests also make keys with node:crypto and WebCrypto directly, and with jose: a test file hung in CI that
// way. Here, for tests only:
// - generateKeyPairSync without encodings returns keys imported from the job's JWK output;
// - crypto.subtle.generateKey collects the finished job (a full GC) before it returns the keys.
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
v8.setFlagsFromString('--no-expose-gc');

const original = crypto.generateKeyPairSync;
const JWK_TYPES = new Set(['rsa', 'ec', 'ed25519', 'ed448', 'x25519', 'x448']);
const AS_DER = {
  publicKeyEncoding: { format: 'der', type: 'spki' },
  privateKeyEncoding: { format: 'der', type: 'pkcs8' },
};
const AS_JWK = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } };
crypto.generateKeyPairSync = function generateKeyPairSyncWithoutJob(type, options = {}) {
  if (options.publicKeyEncoding || options.privateKeyEncoding) return original.call(this, type, options);
  if (JWK_TYPES.has(type)) {
    const pair = original.call(this, type, { ...options, ...AS_JWK });
    return {
      privateKey: crypto.createPrivateKey({ key: pair.privateKey, format: 'jwk' }),
      publicKey: crypto.createPublicKey({ key: pair.publicKey, format: 'jwk' }),
    };
  }
  const pair = original.call(this, type, { ...options, ...AS_DER }); // rsa-pss, dsa, dh: no JWK form
  return {
    privateKey: crypto.createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: crypto.createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
};
syncBuiltinESMExports(); // `import { generateKeyPairSync } from 'node:crypto'` sees this one too

const subtle = Object.getPrototypeOf(crypto.webcrypto.subtle);
const generateKey = subtle.generateKey;
subtle.generateKey = async function generateKeyThenCollectJob(...args) {
  const keys = await generateKey.apply(this, args);
  await new Promise((resolve) => setImmediate(resolve)); // the job's callback has returned
  gc();
  return keys;
};
