import { InvalidOptionsError } from '../errors.js';

// A Map: a unit is the caller's text, and must never find `constructor` or `__proto__` on a prototype.
const UNITS = new Map<string, number>(
  Object.entries({
    s: 1,
    sec: 1,
    secs: 1,
    second: 1,
    seconds: 1,
    m: 60,
    min: 60,
    mins: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hr: 3600,
    hrs: 3600,
    hour: 3600,
    hours: 3600,
    d: 86400,
    day: 86400,
    days: 86400,
    w: 604800,
    week: 604800,
    weeks: 604800,
    y: 31557600,
    yr: 31557600,
    year: 31557600,
    years: 31557600,
  }),
);

const DURATION = /^(-?\d+(?:\.\d+)?) *([a-z]+)?$/i;

/** Seconds from a number of seconds or a string like '15m', '1h', '7 days', '30s', '90'. */
export function parseDuration(value: number | string, option: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidOptionsError(`${option} must be a finite number of seconds`);
    return value;
  }
  if (typeof value === 'string') {
    const m = DURATION.exec(value.trim());
    const unit = m ? (m[2] ?? 's').toLowerCase() : '';
    const factor = UNITS.get(unit);
    if (m && factor !== undefined) {
      const seconds = Number(m[1]) * factor;
      // 400 digits parse to Infinity: refused like an Infinity number.
      if (Number.isFinite(seconds)) return seconds;
      throw new InvalidOptionsError(`${option} must be a finite number of seconds`);
    }
  }
  throw new InvalidOptionsError(`${option} must be seconds or a duration such as "15m", "1h" or "7d"`);
}

/** A fixed time (seconds since the epoch or a Date), or a clock called on every verification. */
export type NowOption = number | Date | (() => number | Date);

/** Current time in seconds since the epoch (fractional), or the caller's `now` (value or clock). */
export function nowSeconds(option: NowOption | undefined): number {
  if (option === undefined) return Date.now() / 1000;
  const now = typeof option === 'function' ? option() : option;
  if (now instanceof Date) {
    const t = now.getTime();
    if (!Number.isFinite(t)) throw new InvalidOptionsError('now is an invalid Date');
    return t / 1000;
  }
  if (typeof now === 'number' && Number.isFinite(now)) return now;
  throw new InvalidOptionsError('now must be seconds since the epoch, a Date, or a function returning one');
}
