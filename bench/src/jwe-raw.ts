// The raw node:crypto JWE baseline: the least work an honest compact JWE encrypt/decrypt can do.
// encrypt: fresh CEK and 96-bit IV from randomBytes, the key management step (none / AES key wrap /
//          ephemeral ECDH + Concat KDF + key wrap / RSA-OAEP), AES-GCM with the protected header as AAD,
//          base64url of the five parts (a constant header is encoded once).
// decrypt: split, JSON.parse of the header (a header seen before is recognised by its text, as raw.ts does),
//          alg/enc checks against the expected values, base64url decoding, the key management step (for
//          ECDH-ES the epk is imported from the header and checked to be on the key's curve) and AES-GCM open.
// No option parsing, no key-type checks beyond what node:crypto itself does: it is the floor to compare with.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';

const PUBLIC_AS_JWK = { publicKeyEncoding: { format: 'jwk' } } as const;

export type JweCase = 'dir' | 'A256KW' | 'ECDH-ES+A256KW P-256' | 'ECDH-ES+A256KW X25519' | 'RSA-OAEP-256';
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function gcmSeal(cek: Buffer, plaintext: Buffer, aad: string) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', cek, iv);
  c.setAAD(Buffer.from(aad, 'latin1'));
  const ct = c.update(plaintext);
  c.final();
  return `${b64(iv)}.${ct.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
}
function gcmOpen(cek: Buffer, iv: string, ct: string, tag: string, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(aad, 'latin1'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  const out = d.update(Buffer.from(ct, 'base64url'));
  d.final();
  return out;
}
function wrap(kek: Buffer, cek: Buffer): Buffer {
  const c = createCipheriv('id-aes256-wrap', kek, KW_IV);
  return Buffer.concat([c.update(cek), c.final()]);
}
function unwrap(kek: Buffer, ek: Buffer): Buffer {
  const d = createDecipheriv('id-aes256-wrap', kek, KW_IV);
  return Buffer.concat([d.update(ek), d.final()]);
}
/** Concat KDF for 256 bits (one SHA-256 round), AlgorithmID = alg, empty apu/apv. */
function kdf(z: Buffer, alg: string): Buffer {
  const info = Buffer.alloc(4 + alg.length + 4 + 4 + 4);
  let o = info.writeUInt32BE(alg.length, 0);
  o += info.write(alg, o, 'ascii');
  o = info.writeUInt32BE(0, o);
  o = info.writeUInt32BE(0, o);
  info.writeUInt32BE(256, o);
  return createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(info)
    .digest();
}

export interface RawJwe {
  encrypt(plaintext: Buffer): string;
  decrypt(token: string): Buffer;
}

const headerCache = new Map<string, Record<string, unknown>>();
function header(b64text: string): Record<string, unknown> {
  let h = headerCache.get(b64text);
  if (!h) {
    h = JSON.parse(Buffer.from(b64text, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (headerCache.size < 64) headerCache.set(b64text, h);
  }
  return h;
}

/** Keys: `enc` = what the sender uses (secret bytes or public key), `dec` = what the recipient holds. */
export function rawJwe(kind: JweCase, keys: { enc: Buffer | KeyObject; dec: Buffer | KeyObject }): RawJwe {
  const alg = kind.split(' ')[0]!;
  const fixedHeader = b64(JSON.stringify({ alg, enc: 'A256GCM' }));
  const check = (h: Record<string, unknown>) => {
    if (h.alg !== alg || h.enc !== 'A256GCM') throw new Error('unexpected alg/enc');
  };
  switch (kind) {
    case 'dir': {
      const k = keys.enc as Buffer;
      return {
        encrypt: (p) => `${fixedHeader}..${gcmSeal(k, p, fixedHeader)}`,
        decrypt(t) {
          const [h, ek, iv, ct, tag] = t.split('.') as [string, string, string, string, string];
          check(header(h));
          if (ek !== '') throw new Error('dir has no encrypted key');
          return gcmOpen(k, iv, ct, tag, h);
        },
      };
    }
    case 'A256KW': {
      const kek = keys.enc as Buffer;
      return {
        encrypt(p) {
          const cek = randomBytes(32);
          return `${fixedHeader}.${wrap(kek, cek).toString('base64url')}.${gcmSeal(cek, p, fixedHeader)}`;
        },
        decrypt(t) {
          const [h, ek, iv, ct, tag] = t.split('.') as [string, string, string, string, string];
          check(header(h));
          return gcmOpen(unwrap(kek, Buffer.from(ek, 'base64url')), iv, ct, tag, h);
        },
      };
    }
    case 'RSA-OAEP-256': {
      const pub = keys.enc as KeyObject;
      const priv = keys.dec as KeyObject;
      const PAD = constants.RSA_PKCS1_OAEP_PADDING;
      return {
        encrypt(p) {
          const cek = randomBytes(32);
          const ek = publicEncrypt({ key: pub, padding: PAD, oaepHash: 'sha256' }, cek);
          return `${fixedHeader}.${ek.toString('base64url')}.${gcmSeal(cek, p, fixedHeader)}`;
        },
        decrypt(t) {
          const [h, ek, iv, ct, tag] = t.split('.') as [string, string, string, string, string];
          check(header(h));
          const cek = privateDecrypt(
            { key: priv, padding: PAD, oaepHash: 'sha256' },
            Buffer.from(ek, 'base64url'),
          );
          return gcmOpen(cek, iv, ct, tag, h);
        },
      };
    }
    default: {
      const pub = keys.enc as KeyObject;
      const priv = keys.dec as KeyObject;
      const x25519 = kind.endsWith('X25519');
      const crv = x25519 ? 'X25519' : 'P-256';
      return {
        encrypt(p) {
          // The job encodes the public key (a key fresh from a job must not be exported: node can deadlock,
          // see packages/jwtkit/src/_lib/crypto.ts); jwtkit does the same.
          const eph = x25519
            ? generateKeyPairSync('x25519', PUBLIC_AS_JWK)
            : generateKeyPairSync('ec', { namedCurve: 'P-256', ...PUBLIC_AS_JWK });
          const jwk = eph.publicKey as unknown as { x: string; y?: string };
          const epk = x25519 ? { kty: 'OKP', crv, x: jwk.x } : { kty: 'EC', crv, x: jwk.x, y: jwk.y };
          const h = b64(JSON.stringify({ alg, enc: 'A256GCM', epk }));
          const kek = kdf(diffieHellman({ privateKey: eph.privateKey, publicKey: pub }), alg);
          const cek = randomBytes(32);
          return `${h}.${wrap(kek, cek).toString('base64url')}.${gcmSeal(cek, p, h)}`;
        },
        decrypt(t) {
          const [h, ek, iv, ct, tag] = t.split('.') as [string, string, string, string, string];
          const hd = header(h);
          check(hd);
          const e = hd.epk as Record<string, string>;
          if (e.crv !== crv) throw new Error('epk on another curve');
          const epk = createPublicKey({
            key: (x25519 ? { kty: 'OKP', crv, x: e.x } : { kty: 'EC', crv, x: e.x, y: e.y }) as never,
            format: 'jwk',
          });
          const kek = kdf(diffieHellman({ privateKey: priv, publicKey: epk }), alg);
          return gcmOpen(unwrap(kek, Buffer.from(ek, 'base64url')), iv, ct, tag, h);
        },
      };
    }
  }
}
