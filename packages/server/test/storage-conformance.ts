// One conformance suite for every Storage implementation (run by storage-sqlite.test.ts and
// storage-postgres.test.ts). Each test gets a fresh, migrated store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SigningKeyRecord, Storage } from '../src/storage/types.js';
import { StorageConflictError } from '../src/storage/types.js';

export interface StorageHandle {
  storage: Storage;
  cleanup: () => Promise<void>;
}

/** `open` returns a fresh store, or a string: the reason the backend is unavailable (test skipped). */
export function storageConformance(name: string, open: () => Promise<StorageHandle | string>): void {
  describe(`storage conformance: ${name}`, () => {
    const it = (title: string, fn: (s: Storage) => Promise<void>) =>
      test(title, async (t) => {
        const h = await open();
        if (typeof h === 'string') {
          if (process.env.CI) assert.fail(`${name} unavailable in CI: ${h}`);
          t.skip(`${name} unavailable: ${h}`);
          return;
        }
        try {
          await h.storage.migrate();
          await h.storage.migrate(); // idempotent
          await fn(h.storage);
        } finally {
          await h.cleanup();
        }
      });

    const T0 = 1_700_000_000_000;
    const mkUser = (s: Storage, username = 'alice', id?: number) =>
      s.createUser({
        username,
        passwordHash: 'h',
        role: 'user',
        now: T0,
        ...(id === undefined ? {} : { id }),
      });
    const mkSession = async (s: Storage, userId: number, opts: { expiresAt?: number } = {}) => {
      const session = {
        id: randomUUID(),
        userId,
        clientId: 'c',
        expiresAt: opts.expiresAt ?? T0 + 7_200_000,
        userAgent: 'ua',
        ip: '127.0.0.1',
        now: T0,
      };
      const token = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 3_600_000 };
      await s.createSession(session, token);
      return { session, token };
    };

    it('ping answers', async (s) => {
      await s.ping();
    });

    it('users: create, read by id and name, explicit id, duplicate rejected', async (s) => {
      const a = await mkUser(s, 'alice', 101);
      assert.equal(a.id, 101);
      assert.equal(a.role, 'user');
      assert.equal(a.disabled, false);
      assert.equal(a.tokenEpoch, 0);
      assert.equal(a.createdAt, T0);
      const b = await mkUser(s, 'bob');
      assert.ok(Number.isInteger(b.id) && b.id !== 101);
      assert.deepEqual(await s.getUserById(101), a);
      assert.deepEqual(await s.getUserByUsername('bob'), b);
      assert.equal(await s.getUserByUsername('nobody'), null);
      assert.equal(await s.getUserById(999_999), null);
      assert.deepEqual(await s.getUserProfile(b.id), {
        id: b.id,
        username: 'bob',
        role: b.role,
        createdAt: b.createdAt,
      });
      assert.equal(await s.getUserProfile(999_999), null);
      await assert.rejects(mkUser(s, 'alice'), StorageConflictError);
      await assert.rejects(mkUser(s, 'carol', 101), StorageConflictError);
    });

    it('users: list pages in id order with a total', async (s) => {
      for (const u of ['u1', 'u2', 'u3']) await mkUser(s, u);
      const p1 = await s.listUsers({ limit: 2, offset: 0 });
      assert.equal(p1.total, 3);
      assert.deepEqual(
        p1.users.map((u) => u.username),
        ['u1', 'u2'],
      );
      const p2 = await s.listUsers({ limit: 2, offset: 2 });
      assert.deepEqual(
        p2.users.map((u) => u.username),
        ['u3'],
      );
    });

    it('users: update patches only given fields; epoch bumps atomically', async (s) => {
      const u = await mkUser(s);
      const r = await s.updateUser(u.id, { role: 'admin' }, T0 + 1);
      assert.equal(r?.role, 'admin');
      assert.equal(r?.disabled, false);
      assert.equal(r?.passwordHash, 'h');
      assert.equal(r?.updatedAt, T0 + 1);
      const d = await s.updateUser(u.id, { disabled: true, passwordHash: 'h2' }, T0 + 2);
      assert.equal(d?.role, 'admin');
      assert.equal(d?.disabled, true);
      assert.equal(d?.passwordHash, 'h2');
      assert.equal((await s.updateUser(u.id, { disabled: false }, T0 + 3))?.disabled, false);
      assert.equal(await s.updateUser(424242, { role: 'user' }, T0), null);
      const epochs = await Promise.all(Array.from({ length: 10 }, () => s.bumpTokenEpoch(u.id, T0)));
      assert.deepEqual(
        [...epochs].sort((x, y) => (x ?? 0) - (y ?? 0)),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal((await s.getUserById(u.id))?.tokenEpoch, 10);
      assert.equal(await s.bumpTokenEpoch(424242, T0), null);
    });

    it('sessions: create with first refresh token, list active, revoke one and all', async (s) => {
      const u = await mkUser(s);
      const a = await mkSession(s, u.id);
      const b = await mkSession(s, u.id);
      await mkSession(s, u.id, { expiresAt: T0 - 1 }); // already expired: not listed
      const got = await s.getSession(a.session.id);
      assert.equal(got?.userId, u.id);
      assert.equal(got?.clientId, 'c');
      assert.equal(got?.userAgent, 'ua');
      assert.equal(got?.ip, '127.0.0.1');
      assert.equal(got?.revokedAt, null);
      const tok = await s.getRefreshTokenByHash(a.token.tokenHash);
      assert.equal(tok?.status, 'active');
      assert.equal(tok?.sessionId, a.session.id);
      assert.equal(tok?.parentId, null);
      assert.deepEqual(await s.getRefreshTokenById(a.token.id), tok);
      assert.equal((await s.listActiveSessions(u.id, T0)).length, 2);
      // a session whose refresh token has expired (idle too long) is not listed
      assert.equal((await s.listActiveSessions(u.id, T0 + 3_600_000)).length, 0);

      assert.equal(await s.revokeSession(a.session.id, 'logout', T0 + 5), true);
      assert.equal(await s.revokeSession(a.session.id, 'logout', T0 + 6), false);
      const revoked = await s.getSession(a.session.id);
      assert.equal(revoked?.revokedAt, T0 + 5);
      assert.equal(revoked?.revokedReason, 'logout');
      assert.equal((await s.getRefreshTokenById(a.token.id))?.status, 'revoked');
      assert.deepEqual(
        (await s.listActiveSessions(u.id, T0)).map((x) => x.id),
        [b.session.id],
      );
      const ids = await s.revokeUserSessions(u.id, 'logout-all', T0 + 7);
      assert.ok(ids.includes(b.session.id));
      assert.ok(!ids.includes(a.session.id));
      assert.equal((await s.listActiveSessions(u.id, T0)).length, 0);
      assert.equal((await s.getRefreshTokenById(b.token.id))?.status, 'revoked');
      assert.equal(await s.revokeSession('no-such-session', 'x', T0), false);
    });

    it('refresh: rotation marks the old token and links the new one', async (s) => {
      const u = await mkUser(s);
      const { session, token } = await mkSession(s, u.id);
      const next = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 7_200_000 };
      assert.equal(await s.rotateRefreshToken(token.id, next, T0 + 10), true);
      const old = await s.getRefreshTokenById(token.id);
      assert.equal(old?.status, 'rotated');
      assert.equal(old?.rotatedAt, T0 + 10);
      assert.equal(old?.replacedBy, next.id);
      const nu = await s.getRefreshTokenByHash(next.tokenHash);
      assert.equal(nu?.status, 'active');
      assert.equal(nu?.parentId, token.id);
      assert.equal(nu?.sessionId, session.id);
      assert.equal((await s.getSession(session.id))?.lastUsedAt, T0 + 10);
      // a spent token cannot rotate again
      const again = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 7_200_000 };
      assert.equal(await s.rotateRefreshToken(token.id, again, T0 + 11), false);
      assert.equal(await s.getRefreshTokenById(again.id), null);
      assert.deepEqual(
        (await s.listRefreshTokens(session.id)).map((t) => t.status),
        ['rotated', 'active'],
      );
    });

    it('refresh: an expired or revoked token does not rotate', async (s) => {
      const u = await mkUser(s);
      const { session, token } = await mkSession(s, u.id);
      const next = () => ({ id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 9_000_000 });
      assert.equal(await s.rotateRefreshToken(token.id, next(), T0 + 3_600_000), false); // expired at that time
      await s.revokeSession(session.id, 'x', T0);
      assert.equal(await s.rotateRefreshToken(token.id, next(), T0 + 1), false);
    });

    it('refresh: 50 concurrent rotations of one token -> exactly one winner, one active token', async (s) => {
      const u = await mkUser(s);
      const { session, token } = await mkSession(s, u.id);
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          s.rotateRefreshToken(
            token.id,
            { id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 7_200_000 },
            T0 + 1,
          ),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const tokens = await s.listRefreshTokens(session.id);
      assert.equal(tokens.filter((t) => t.status === 'active').length, 1);
      assert.equal(tokens.length, 2);
    });

    it('users: ids the database assigns start at 1000 (never the demo ids) and increase', async (s) => {
      await mkUser(s, 'demo', 101);
      const a = await mkUser(s, 'first');
      const b = await mkUser(s, 'second');
      assert.equal(a.id, 1000);
      assert.ok(b.id > a.id);
    });

    it('refresh: a family lists in issue order, also within one millisecond', async (s) => {
      const u = await mkUser(s);
      const { session, token } = await mkSession(s, u.id);
      const ids = [token.id];
      for (let i = 0; i < 5; i++) {
        const next = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: T0 + 3_600_000 };
        assert.equal(await s.rotateRefreshToken(ids.at(-1)!, next, T0 + 1), true);
        ids.push(next.id);
      }
      assert.deepEqual(
        (await s.listRefreshTokens(session.id)).map((t) => t.id),
        ids,
      );
    });

    it('a failed multi-statement write changes nothing (one transaction)', async (s) => {
      const u = await mkUser(s);
      const { token } = await mkSession(s, u.id);
      const session = {
        id: randomUUID(),
        userId: u.id,
        clientId: 'c',
        expiresAt: T0 + 7_200_000,
        userAgent: null,
        ip: null,
        now: T0,
      };
      // The first token's hash is taken: the session insert before it must be rolled back.
      await assert.rejects(
        s.createSession(session, { id: randomUUID(), tokenHash: token.tokenHash, expiresAt: T0 + 1 }),
      );
      assert.equal(await s.getSession(session.id), null);
      assert.equal((await s.listActiveSessions(u.id, T0)).length, 1);
    });

    it('audit: append and list newest first with filters and cursor', async (s) => {
      const u = await mkUser(s);
      const e1 = await s.appendAuditEvent({
        at: T0,
        type: 'login',
        userId: u.id,
        actorId: u.id,
        sessionId: null,
        ip: '1.2.3.4',
        details: { a: 1, nested: { b: [1, 2] } },
      });
      assert.ok(e1.id > 0);
      assert.deepEqual(e1.details, { a: 1, nested: { b: [1, 2] } });
      await s.appendAuditEvent({
        at: T0 + 1,
        type: 'logout',
        userId: u.id,
        actorId: null,
        sessionId: 's',
        ip: null,
        details: {},
      });
      await s.appendAuditEvent({
        at: T0 + 2,
        type: 'login',
        userId: null,
        actorId: null,
        sessionId: null,
        ip: null,
        details: {},
      });
      const all = await s.listAuditEvents({ limit: 10 });
      assert.deepEqual(
        all.map((e) => e.type),
        ['login', 'logout', 'login'],
      );
      assert.ok(all[0]!.id > all[1]!.id);
      assert.equal((await s.listAuditEvents({ limit: 10, type: 'login' })).length, 2);
      assert.equal((await s.listAuditEvents({ limit: 10, userId: u.id })).length, 2);
      const page = await s.listAuditEvents({ limit: 1, beforeId: all[0]!.id });
      assert.deepEqual(
        page.map((e) => e.type),
        ['logout'],
      );
      assert.equal(page[0]!.sessionId, 's');
    });

    it('signing keys: insert, rotate atomically, stale rotation refused, prune retired', async (s) => {
      const key = (kid: string, status: SigningKeyRecord['status']): SigningKeyRecord => ({
        kid,
        alg: 'ES256',
        status,
        privateKey: `enc-${kid}`,
        publicJwk: JSON.stringify({ kty: 'EC', kid }),
        createdAt: T0,
        activatedAt: status === 'active' ? T0 : null,
        retiredAt: null,
      });
      await s.insertSigningKey(key('k1', 'active'));
      await s.insertSigningKey(key('k2', 'next'));
      await assert.rejects(s.insertSigningKey(key('k1', 'next')), StorageConflictError);
      assert.equal(await s.rotateSigningKeys('k2', key('k3', 'next'), T0 + 100), true);
      const byKid = Object.fromEntries((await s.listSigningKeys()).map((k) => [k.kid, k]));
      assert.equal(byKid.k1?.status, 'retired');
      assert.equal(byKid.k1?.retiredAt, T0 + 100);
      assert.equal(byKid.k2?.status, 'active');
      assert.equal(byKid.k2?.activatedAt, T0 + 100);
      assert.equal(byKid.k3?.status, 'next');
      assert.equal(byKid.k3?.privateKey, 'enc-k3');
      // a second rotation that still expects k2 to be next loses
      assert.equal(await s.rotateSigningKeys('k2', key('k4', 'next'), T0 + 200), false);
      assert.equal((await s.listSigningKeys()).length, 3);
      assert.deepEqual(await s.deleteRetiredSigningKeys(T0 + 100), []);
      assert.deepEqual(await s.deleteRetiredSigningKeys(T0 + 101), ['k1']);
      assert.deepEqual((await s.listSigningKeys()).map((k) => k.kid).sort(), ['k2', 'k3']);
    });

    it('signing keys: concurrent rotations expecting the same next key -> exactly one wins', async (s) => {
      const key = (kid: string, status: SigningKeyRecord['status']): SigningKeyRecord => ({
        kid,
        alg: 'ES256',
        status,
        privateKey: `enc-${kid}`,
        publicJwk: '{}',
        createdAt: T0,
        activatedAt: null,
        retiredAt: null,
      });
      await s.insertSigningKey(key('k1', 'active'));
      await s.insertSigningKey(key('k2', 'next'));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => s.rotateSigningKeys('k2', key(`n${i}`, 'next'), T0 + 1)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const statuses = (await s.listSigningKeys()).map(
        (k) => `${k.kid.startsWith('n') ? 'new' : k.kid}:${k.status}`,
      );
      assert.deepEqual(statuses.sort(), ['k1:retired', 'k2:active', 'new:next']);
    });

    it('denylist: add, query, expire, upsert keeps the later expiry', async (s) => {
      await s.addDenylistEntry({ key: 'jti:a', expiresAt: T0 + 10 });
      await s.addDenylistEntry({ key: 'jti:b', expiresAt: T0 - 10 });
      assert.equal(await s.isDenylisted('jti:a', T0), true);
      assert.equal(await s.isDenylisted('jti:b', T0), false);
      assert.equal(await s.isDenylisted('jti:zzz', T0), false);
      await s.addDenylistEntry({ key: 'jti:a', expiresAt: T0 + 5 });
      assert.equal(await s.isDenylisted('jti:a', T0 + 7), true);
      assert.deepEqual(await s.listDenylistEntries(T0), [{ key: 'jti:a', expiresAt: T0 + 10 }]);
      await s.purgeExpired(T0 + 11);
      assert.deepEqual(await s.listDenylistEntries(0), []);
    });

    it('settings: first value wins', async (s) => {
      assert.equal(await s.getOrSetSetting('secret', 'one'), 'one');
      assert.equal(await s.getOrSetSetting('secret', 'two'), 'one');
    });

    it('oauth clients: create, read back exactly, list in id order, conflict, delete', async (s) => {
      const secretClient = {
        id: 'svc-b',
        name: 'Billing \u00e9',
        authMethod: 'client_secret_basic' as const,
        secretHash: 'ab'.repeat(32),
        scopes: ['invoices:read', 'invoices:write'],
        audiences: ['https://api.example', 'https://other.example'],
        jwks: null,
        jwksUri: null,
        createdAt: T0,
      };
      const keyClient = {
        id: 'svc-a',
        name: 'Reports',
        authMethod: 'private_key_jwt' as const,
        secretHash: null,
        scopes: [],
        audiences: ['https://api.example'],
        jwks: '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}',
        jwksUri: 'https://client.example/jwks.json',
        createdAt: T0 + 1,
      };
      await s.createOAuthClient(secretClient);
      await s.createOAuthClient(keyClient);
      assert.deepEqual(await s.getOAuthClient('svc-b'), secretClient);
      assert.deepEqual(await s.getOAuthClient('svc-a'), keyClient);
      assert.equal(await s.getOAuthClient('svc-c'), null);
      assert.equal(await s.getOAuthClient('SVC-A'), null, 'client ids are case-sensitive');
      assert.deepEqual(
        (await s.listOAuthClients()).map((c) => c.id),
        ['svc-a', 'svc-b'],
      );
      await assert.rejects(s.createOAuthClient({ ...keyClient, name: 'again' }), StorageConflictError);
      assert.equal((await s.getOAuthClient('svc-a'))?.name, 'Reports', 'the conflict changed nothing');
      assert.equal(await s.deleteOAuthClient('svc-a'), true);
      assert.equal(await s.deleteOAuthClient('svc-a'), false);
      assert.deepEqual(
        (await s.listOAuthClients()).map((c) => c.id),
        ['svc-b'],
      );
    });

    it('purge removes expired sessions and their tokens', async (s) => {
      const u = await mkUser(s);
      const dead = await mkSession(s, u.id, { expiresAt: T0 + 1 });
      const live = await mkSession(s, u.id, { expiresAt: T0 + 1_000_000 });
      await s.purgeExpired(T0 + 2);
      assert.equal(await s.getSession(dead.session.id), null);
      assert.equal(await s.getRefreshTokenById(dead.token.id), null);
      assert.notEqual(await s.getSession(live.session.id), null);
    });
  });
}
