/**
 * Keeps `GET /me` answering while the database is unreachable: the last user record (and profile) read for
 * each id is remembered (bounded), and served ONLY when the database cannot answer (a connection error). Every
 * other call, and every read while the database is up, goes straight through.
 *
 * Why this is safe: token verification itself never needs the database (keys are in memory, revocation
 * state in Redis); the record only fills the /me response. During an outage nothing can change a user
 * anyway (writes fail with 503), so the remembered record is at most as stale as the outage is long.
 */
import type { Storage, UserProfile, UserRecord } from '../storage/types.js';
import { isUnavailableError } from './failure.js';

/** The user reads GET /me may make; a new read added to `AuthService.me` belongs here too (the test calls `me`). */
export function withOutageReads(storage: Storage, maxUsers = 10_000): Storage {
  const records = new Map<number, UserRecord>();
  const profiles = new Map<number, UserProfile>();
  const remember = <T>(map: Map<number, T>, id: number, value: T) => {
    map.delete(id);
    map.set(id, value);
    if (map.size > maxUsers) map.delete(map.keys().next().value as number);
  };
  const forget = (id: number) => {
    records.delete(id);
    profiles.delete(id);
  };
  const getUserById = async (id: number): Promise<UserRecord | null> => {
    try {
      const u = await storage.getUserById(id);
      if (u) {
        remember(records, id, u);
        remember(profiles, id, { id: u.id, username: u.username, role: u.role, createdAt: u.createdAt });
      } else forget(id);
      return u;
    } catch (err) {
      const known = records.get(id);
      if (known && isUnavailableError(err)) return known;
      throw err;
    }
  };
  const getUserProfile = async (id: number): Promise<UserProfile | null> => {
    try {
      const u = await storage.getUserProfile(id);
      if (u) remember(profiles, id, u);
      else forget(id);
      return u;
    } catch (err) {
      const known = profiles.get(id);
      if (known && isUnavailableError(err)) return known;
      throw err;
    }
  };
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === 'getUserById') return getUserById;
      if (prop === 'getUserProfile') return getUserProfile;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
