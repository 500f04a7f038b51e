/**
 * Keeps `GET /me` answering while the database is unreachable: the last user record read for each id is
 * remembered (bounded), and served ONLY when the database cannot answer (a connection error). Every
 * other call, and every read while the database is up, goes straight through.
 *
 * Why this is safe: token verification itself never needs the database (keys are in memory, revocation
 * state in Redis); the record only fills the /me response. During an outage nothing can change a user
 * anyway (writes fail with 503), so the remembered record is at most as stale as the outage is long.
 */
import type { Storage, UserRecord } from '../storage/types.js';
import { isUnavailableError } from './failure.js';

export function withOutageReads(storage: Storage, maxUsers = 10_000): Storage {
  const users = new Map<number, UserRecord>();
  const remember = (u: UserRecord) => {
    users.delete(u.id);
    users.set(u.id, u);
    if (users.size > maxUsers) users.delete(users.keys().next().value as number);
  };
  const getUserById = async (id: number): Promise<UserRecord | null> => {
    try {
      const u = await storage.getUserById(id);
      if (u) remember(u);
      else users.delete(id);
      return u;
    } catch (err) {
      const known = users.get(id);
      if (known && isUnavailableError(err)) return known;
      throw err;
    }
  };
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === 'getUserById') return getUserById;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
