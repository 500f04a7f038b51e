/**
 * RFC 7515 / 7797 / 8037 / 7638 / 9278 vectors and the RFC 7520 cookbook JWS examples, through the public
 * API. Deterministic signatures (HS*, RS*, EdDSA) are reproduced byte for byte; the rest are verified.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Algorithm,
  DecodeError,
  decode,
  decodeUnsecured,
  encode,
  exportPublicJwk,
  type GeneralJws,
  InvalidAlgorithmError,
  InvalidSignatureError,
  importKey,
  jwkThumbprint,
  jwkThumbprintUri,
  signBytes,
  signJws,
  verifyJws,
} from '../../src/index.js';
import { loadVector } from '../_vectors.js';

const PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);
const pub = (jwk: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE.has(k)));

describe('RFC 7515 Appendix A', () => {
  test('A.1 HS256: verify, reproduce byte for byte, and decode as a JWT with a pinned clock', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-A.1');
    const r = verifyJws(v.compact, v.key, { algorithms: ['HS256'] });
    assert.equal(r.payload.toString('utf8'), v.payload_utf8);
    assert.equal(r.algorithm, 'HS256');
    assert.equal(
      signJws(v.payload_utf8, { key: v.key, algorithm: 'HS256', protectedHeader: v.protected_header_utf8 }),
      v.compact,
    );
    const claims = decode(v.compact, v.key, { algorithms: ['HS256'], now: 1300819000 });
    assert.equal(claims.iss, 'joe');
    assert.throws(() => verifyJws(v.compact, v.key, { algorithms: ['HS384'] }), InvalidAlgorithmError);
    const tampered = `${v.compact.slice(0, -2)}${v.compact.endsWith('Xk') ? 'Xg' : 'Xk'}`;
    assert.throws(
      () => verifyJws(tampered, v.key, { algorithms: ['HS256'] }),
      (e: unknown) => e instanceof DecodeError,
    );
  });

  test('A.2 RS256: reproduce byte for byte (PKCS#1 v1.5 is deterministic) and verify with the public key', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-A.2');
    assert.equal(
      signJws(v.payload_utf8, { key: v.key, algorithm: 'RS256', protectedHeader: v.protected_header_utf8 }),
      v.compact,
    );
    assert.equal(signJws(v.payload_utf8, { key: v.key, algorithm: 'RS256' }), v.compact); // {"alg":"RS256"} is the canonical header
    const r = verifyJws(v.compact, pub(v.key) as never, { algorithms: ['RS256'] });
    assert.equal(r.payload.toString(), v.payload_utf8);
    assert.throws(
      () => verifyJws(v.compact, pub(v.key) as never, { algorithms: ['PS256'] }),
      InvalidAlgorithmError,
    );
  });

  for (const id of ['RFC7515-A.3', 'RFC7515-A.4']) {
    test(`${id} ECDSA: verify the RFC signature, and sign+verify anew`, () => {
      const file = loadVector('rfc/rfc7515_jws_examples.json');
      const v = file.vectors.find((x: any) => x.id === id);
      const alg = v.alg as Algorithm;
      assert.equal(
        verifyJws(v.compact, pub(v.key) as never, { algorithms: [alg] }).payload.toString(),
        v.payload_utf8,
      );
      const fresh = signJws(v.payload_utf8, { key: v.key, algorithm: alg });
      assert.notEqual(fresh, v.compact);
      assert.equal(
        verifyJws(fresh, pub(v.key) as never, { algorithms: [alg] }).payload.toString(),
        v.payload_utf8,
      );
    });
  }

  test('A.5 unsecured JWS: rejected by verifyJws whatever the allowlist; only decodeUnsecured reads it', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-A.5');
    assert.throws(
      () => verifyJws(v.compact, 'x'.repeat(32), { algorithms: ['HS256', 'RS256', 'ES256'] }),
      InvalidAlgorithmError,
    );
    assert.throws(
      () => verifyJws(v.compact, 'x'.repeat(32), { algorithms: ['none' as Algorithm] }),
      InvalidAlgorithmError,
    );
    assert.equal(decodeUnsecured(v.compact, { now: 1300819000 }).iss, 'joe');
  });

  test('A.6 general JSON: each signature verifies with its own key; JWKS picks by the unprotected kid; RS256 reproduced', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-A.6');
    const [rsaKid, ecKid] = Object.keys(v.keys) as [string, string];
    const rsa = v.keys[rsaKid];
    const ec = v.keys[ecKid];
    const a = verifyJws(v.json, pub(rsa) as never, { algorithms: ['RS256'] });
    assert.equal(a.signatureIndex, 0);
    assert.equal(a.serialization, 'general');
    assert.deepEqual(a.unprotectedHeader, { kid: rsaKid });
    const b = verifyJws(v.json, pub(ec) as never, { algorithms: ['ES256'] });
    assert.equal(b.signatureIndex, 1);
    const jwks = {
      keys: [
        { ...pub(rsa), kid: rsaKid },
        { ...pub(ec), kid: ecKid },
      ],
    };
    assert.equal(verifyJws(v.json, jwks as never, { algorithms: ['ES256'] }).signatureIndex, 1);
    assert.equal(
      verifyJws(JSON.stringify(v.json), jwks as never, { algorithms: ['RS256', 'ES256'] }).signatureIndex,
      0,
    );
    // No allowed algorithm for any signature: refused.
    assert.throws(() => verifyJws(v.json, jwks as never, { algorithms: ['PS256'] }), InvalidSignatureError);
    const signed = signJws(
      Buffer.from(v.json.payload, 'base64url'),
      [
        { key: rsa, algorithm: 'RS256', unprotectedHeader: { kid: rsaKid } },
        { key: ec, algorithm: 'ES256', unprotectedHeader: { kid: ecKid } },
      ],
      { serialization: 'general' },
    );
    assert.equal(signed.payload, v.json.payload);
    assert.deepEqual(signed.signatures[0], v.json.signatures[0]);
    assert.equal(verifyJws(signed, pub(ec) as never, { algorithms: ['ES256'] }).signatureIndex, 1);
  });

  test('A.7 flattened JSON: verify, object and text forms', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-A.7');
    const r = verifyJws(v.json, pub(v.key) as never, { algorithms: ['ES256'] });
    assert.equal(r.serialization, 'flattened');
    assert.deepEqual(r.unprotectedHeader, v.json.header);
    assert.equal(
      verifyJws(JSON.stringify(v.json), pub(v.key) as never, { algorithms: ['ES256'] }).serialization,
      'flattened',
    );
  });

  test('Appendix E: crit naming an extension the application does not understand is refused', () => {
    const file = loadVector('rfc/rfc7515_jws_examples.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7515-E');
    assert.throws(
      () => verifyJws(v.compact, 'k'.repeat(32), { algorithms: ['HS256'] }),
      InvalidAlgorithmError,
    );
    // The same header with a real algorithm: the signature is fine, crit is not.
    const key = Buffer.alloc(32, 9);
    const header = v.protected_header_utf8.replace('"none"', '"HS256"');
    const jws = signJws('FAIL', { key, algorithm: 'HS256', protectedHeader: header });
    assert.throws(
      () => verifyJws(jws, key, { algorithms: ['HS256'] }),
      (e: unknown) => e instanceof DecodeError && /crit/.test((e as Error).message),
    );
    assert.equal(
      verifyJws(jws, key, {
        algorithms: ['HS256'],
        crit: ['http://example.com/UNDEFINED'],
      }).payload.toString(),
      'FAIL',
    );
  });
});

describe('RFC 7797 unencoded payload', () => {
  test('every vector verifies (compact, detached compact, flattened) and is reproduced byte for byte', () => {
    const file = loadVector('rfc/rfc7797_unencoded_payload.json');
    for (const v of file.vectors) {
      const b64 = v.protected.b64 !== false;
      const detached = v.compact.split('.')[1] === '';
      const opts = {
        algorithms: ['HS256'] as Algorithm[],
        ...(detached ? { detachedPayload: v.payload } : {}),
      };
      assert.equal(verifyJws(v.compact, file.key, opts).payload.toString(), v.payload, v.id);
      assert.equal(
        verifyJws(v.flattened_json, file.key, { algorithms: ['HS256'] }).payload.toString(),
        v.payload,
        v.id,
      );
      const signer = { key: file.key, algorithm: 'HS256' as const, protectedHeader: v.protected };
      assert.equal(signJws(v.payload, signer, { detached, b64 }), v.compact, v.id);
      assert.deepEqual(
        signJws(v.payload, signer, { serialization: 'flattened', b64 }),
        v.flattened_json,
        v.id,
      );
    }
  });

  test('b64:false is added with crit by the b64 option; an attached "." payload is refused in compact form', () => {
    const file = loadVector('rfc/rfc7797_unencoded_payload.json');
    const v = file.vectors.find((x: any) => x.id === 'RFC7797-4.2');
    assert.equal(
      signJws('$.02', { key: file.key, algorithm: 'HS256' }, { b64: false, detached: true }),
      v.compact,
    );
    assert.throws(() => signJws('$.02', { key: file.key, algorithm: 'HS256' }, { b64: false }), /RFC 7797/);
    // Without the detached payload the verifier cannot proceed; with a wrong one the signature fails.
    assert.throws(
      () => verifyJws(v.compact, file.key, { algorithms: ['HS256'], detachedPayload: '$.03' }),
      InvalidSignatureError,
    );
    // b64 without crit, and b64/crit in the unprotected header, are refused.
    assert.throws(
      () =>
        signJws('hello', {
          key: file.key,
          algorithm: 'HS256',
          protectedHeader: '{"alg":"HS256","b64":false}',
        }),
      /crit/,
    );
    const h = Buffer.from('{"alg":"HS256","b64":false}').toString('base64url');
    const noCrit = `${h}.hello.${signBytes('HS256', file.key, `${h}.hello`).toString('base64url')}`;
    assert.throws(() => verifyJws(noCrit, file.key, { algorithms: ['HS256'] }), /crit/);
    const flat = signJws(
      'hello',
      { key: file.key, algorithm: 'HS256' },
      { serialization: 'flattened', b64: false },
    );
    const moved = {
      payload: flat.payload,
      protected: Buffer.from('{"alg":"HS256"}').toString('base64url'),
      header: { b64: false, crit: ['b64'] },
      signature: flat.signature,
    };
    assert.throws(() => verifyJws(moved, file.key, { algorithms: ['HS256'] }), DecodeError);
    // A JWT API never accepts b64:false.
    const c = file.vectors.find((x: any) => x.id === 'joserfc-HS256_with_b64=false,_safe_payload').compact;
    assert.throws(() => decode(c, file.key, { algorithms: ['HS256'] }), DecodeError);
  });
});

describe('RFC 8037 Ed25519', () => {
  test('A.4 signing is reproduced byte for byte; A.5 verifies with the public key (EdDSA and Ed25519 names)', () => {
    const file = loadVector('rfc/rfc8037_okp_examples.json');
    const a4 = file.vectors.find((x: any) => x.id === 'RFC8037-A.4');
    const a5 = file.vectors.find((x: any) => x.id === 'RFC8037-A.5');
    assert.equal(signJws(a4.payload_utf8, { key: a4.jwk, algorithm: 'EdDSA' }), a4.compact);
    assert.equal(
      verifyJws(a5.compact, a5.jwk, { algorithms: ['EdDSA'] }).payload.toString(),
      a4.payload_utf8,
    );
    assert.throws(() => verifyJws(a5.compact, a5.jwk, { algorithms: ['Ed25519'] }), InvalidAlgorithmError);
    const fully = signJws(a4.payload_utf8, { key: a4.jwk, algorithm: 'Ed25519' });
    assert.notEqual(fully.split('.')[2], a4.compact.split('.')[2]); // different header, different signature
    assert.equal(verifyJws(fully, a5.jwk, { algorithms: ['Ed25519'] }).payload.toString(), a4.payload_utf8);
    assert.deepEqual(exportPublicJwk(a4.jwk), { kty: 'OKP', crv: 'Ed25519', x: a5.jwk.x });
  });
});

describe('RFC 7638 / RFC 9278 / RFC 8037 A.3 thumbprints', () => {
  test('every thumbprint vector (SHA-256/384/512; RSA, EC, OKP, oct) and the thumbprint URI', () => {
    const file = loadVector('rfc/rfc7638_jwk_thumbprint.json');
    let n = 0;
    for (const v of file.vectors) {
      if (v.thumbprint) {
        const hash = (v.hash ?? 'SHA-256').toLowerCase().replace('-', '') as 'sha256';
        assert.equal(jwkThumbprint(v.jwk, hash), v.thumbprint, v.id);
        n++;
      }
      if (v.uri) {
        assert.equal(jwkThumbprintUri(v.jwk), v.uri, v.id);
        n++;
      }
    }
    assert.ok(n >= 7, `only ${n} thumbprint checks ran`);
  });
});

// ---------------------------------------------------------------- RFC 7520 cookbook

const COOKBOOK = [
  '4_1.rsa_v15_signature.json',
  '4_2.rsa-pss_signature.json',
  '4_3.ecdsa_signature.json',
  '4_4.hmac-sha2_integrity_protection.json',
  '4_5.signature_with_detached_content.json',
  '4_6.protecting_specific_header_fields.json',
  '4_7.protecting_content_only.json',
  '4_8.multiple_signatures.json',
];
const DETERMINISTIC = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'EdDSA']);

describe('RFC 7520 cookbook (JWS)', () => {
  for (const name of COOKBOOK) {
    test(name, () => {
      const c = loadVector(`rfc/rfc7520_cookbook/jws/${name}`);
      const payload: string = c.input.payload;
      const keys: any[] = Array.isArray(c.input.key) ? c.input.key : [c.input.key];
      const algs: Algorithm[] = Array.isArray(c.input.alg) ? c.input.alg : [c.input.alg];
      const signings: any[] = Array.isArray(c.signing) ? c.signing : [c.signing];
      const detached = name.startsWith('4_5');
      const unprotectedAlg = signings.some((s) => s.unprotected?.alg !== undefined);
      const vopts = (alg: Algorithm) => ({
        algorithms: [alg],
        allowUnprotectedAlg: unprotectedAlg,
        ...(detached ? { detachedPayload: payload } : {}),
      });

      // Verify every output form with every (key, alg) pair.
      keys.forEach((key, i) => {
        const alg = algs[i]!;
        const verifyKey = key.kty === 'oct' ? key : pub(key);
        for (const form of ['compact', 'json', 'json_flat'] as const) {
          const out = c.output[form];
          if (out === undefined) continue;
          const r = verifyJws(out, verifyKey, vopts(alg));
          assert.equal(r.payload.toString('utf8'), payload, `${form} ${alg}`);
          assert.equal(r.algorithm, alg);
        }
        if (unprotectedAlg) {
          // Without the opt-in, alg outside the protected header is refused.
          assert.throws(
            () => verifyJws(c.output.json, verifyKey, { ...vopts(alg), allowUnprotectedAlg: false }),
            DecodeError,
          );
        }
      });

      // Sign again: byte-identical where the algorithm is deterministic.
      const signers = signings.map((s, i) => ({
        key: keys[i],
        algorithm: algs[i]!,
        ...(s.protected ? { protectedHeader: s.protected } : {}),
        ...(s.unprotected ? { unprotectedHeader: s.unprotected } : {}),
      }));
      const general = signJws(payload, signers, { serialization: 'general', detached }) as GeneralJws;
      if (!detached) assert.equal(general.payload, c.output.json.payload);
      general.signatures.forEach((sig, i) => {
        const expected = c.output.json.signatures[i];
        assert.equal(sig.protected, expected.protected, `protected header ${i}`);
        assert.deepEqual(sig.header, expected.header);
        if (DETERMINISTIC.has(algs[i]!))
          assert.equal(sig.signature, expected.signature, `signature ${i} (${algs[i]})`);
        const key = keys[i].kty === 'oct' ? keys[i] : pub(keys[i]);
        assert.equal(
          verifyJws(
            { ...(detached ? {} : { payload: general.payload }), ...sig },
            key,
            vopts(algs[i]!),
          ).payload.toString(),
          payload,
        );
      });
      if (signers.length === 1 && DETERMINISTIC.has(algs[0]!)) {
        assert.deepEqual(
          signJws(payload, signers[0]!, { serialization: 'flattened', detached }),
          c.output.json_flat,
        );
        if (c.output.compact) assert.equal(signJws(payload, signers[0]!, { detached }), c.output.compact);
      }
    });
  }
  test('the cookbook manifest lists every JWS file run above', () => {
    const manifest = JSON.stringify(loadVector('rfc/rfc7520_cookbook/MANIFEST.json'));
    for (const name of COOKBOOK) assert.ok(manifest.includes(name), name);
  });
});

describe('RFC 7517 and RFC 7520 §3 JWK examples', () => {
  test('RFC 7517 A.1-A.3, C.1: import; private keys derive the published public keys; enc/A128KW keys never sign', () => {
    const file = loadVector('rfc/rfc7517_jwk_examples.json');
    const byId = (id: string) => file.vectors.find((v: { id: string }) => v.id === id);
    const [ecPub, rsaPub] = byId('RFC7517-A.1').jwks.keys;
    const [ecPriv, rsaPriv] = byId('RFC7517-A.2').jwks.keys;
    assert.deepEqual(exportPublicJwk(importKey(ecPriv)), { kty: 'EC', crv: 'P-256', x: ecPub.x, y: ecPub.y });
    assert.deepEqual(exportPublicJwk(importKey(rsaPriv)), { kty: 'RSA', n: rsaPub.n, e: rsaPub.e });
    // The RSA pair is marked alg RS256: it signs and verifies RS256 only.
    const token = encode({ ok: true }, rsaPriv, { algorithm: 'RS256' });
    assert.deepEqual(decode(token, rsaPub, { algorithms: ['RS256'] }), { ok: true });
    assert.throws(() => encode({}, rsaPriv, { algorithm: 'PS256' }), /restricted to alg/);
    // The EC pair is marked use "enc": never a signing key.
    assert.throws(() => encode({}, ecPriv, { algorithm: 'ES256' }), /use/);
    assert.throws(() => importKey(ecPub, { alg: 'ES256' }), /use/);
    const [kw, hmac] = byId('RFC7517-A.3').jwks.keys;
    assert.throws(() => encode({}, kw, { algorithm: 'HS256' }), /restricted to alg/);
    const a1 = loadVector('rfc/rfc7515_jws_examples.json').vectors.find(
      (v: { id: string }) => v.id === 'RFC7515-A.1',
    );
    assert.equal(verifyJws(a1.compact, hmac, { algorithms: ['HS256'] }).algorithm, 'HS256');
    const c1 = byId('RFC7517-C.1').jwk;
    assert.equal(importKey(c1).asymmetricKeyDetails?.modulusLength, 2048);
    assert.throws(() => encode({}, c1, { algorithm: 'RS256' }), /use/);
  });

  test('RFC 7520 §3.1-3.6: keys import; signing keys work for their algorithm; the A256GCM key never signs', () => {
    const dir = 'rfc/rfc7520_cookbook/jwk/';
    const ecPub = loadVector(`${dir}3_1.ec_public_key.json`);
    const ecPriv = loadVector(`${dir}3_2.ec_private_key.json`);
    const rsaPub = loadVector(`${dir}3_3.rsa_public_key.json`);
    const rsaPriv = loadVector(`${dir}3_4.rsa_private_key.json`);
    const mac = loadVector(`${dir}3_5.symmetric_key_mac_computation.json`);
    const enc = loadVector(`${dir}3_6.symmetric_key_encryption.json`);
    const pairs: Array<[unknown, unknown, Algorithm]> = [
      [ecPriv, ecPub, 'ES512'],
      [rsaPriv, rsaPub, 'PS384'],
      [mac, mac, 'HS256'],
    ];
    for (const [priv, pubKey, alg] of pairs) {
      const jws = signJws('cookbook', { key: priv as never, algorithm: alg });
      assert.equal(
        verifyJws(jws, pubKey as never, { algorithms: [alg] }).payload.toString(),
        'cookbook',
        alg,
      );
    }
    assert.throws(() => signJws('x', { key: enc, algorithm: 'HS256' }), /restricted to alg|use/);
    assert.equal(jwkThumbprint(ecPub), jwkThumbprint(ecPriv));
    assert.equal(jwkThumbprint(rsaPub), jwkThumbprint(rsaPriv));
  });
});
