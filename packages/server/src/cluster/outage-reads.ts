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
  /** A read that remembers what it found, and answers from that memory only while the database is out. */
  const outageRead =
    <T>(read: (id: number) => Promise<T | null>, known: Map<number, T>, found: (id: number, u: T) => void) =>
    async (id: number): Promise<T | null> => {
      try {
        const u = await read(id);
        if (u) found(id, u);
        else forget(id);
        return u;
      } catch (err) {
        const last = known.get(id);
        if (last && isUnavailableError(err)) return last;
        throw err;
      }
    };
  const getUserById = outageRead(
    (id) => storage.getUserById(id),
    records,
    (id, u: UserRecord) => {
      remember(records, id, u);
      remember(profiles, id, { id: u.id, username: u.username, role: u.role, createdAt: u.createdAt });
    },
  );
  const getUserProfile = outageRead(
    (id) => storage.getUserProfile(id),
    profiles,
    (id, u: UserProfile) => remember(profiles, id, u),
  );
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === 'getUserById') return getUserById;
      if (prop === 'getUserProfile') return getUserProfile;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
