import { HttpError } from '../http/errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new HttpError(400, `unknown time zone ${tz}`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** The offset of `tz` from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(tz: string, ms: number): number {
  const p = Object.fromEntries(
    formatter(tz)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, Number(x.value)]),
  );
  const local = Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second);
  return local - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant at which a local wall-clock time (as ms "in UTC") happens in `tz`. */
export function instantOfLocal(tz: string, local: number): number {
  return local - offsetAt(tz, local - offsetAt(tz, local));
}

/**
 * The offsets in force over [from, to): a list of `{until, offset}` (the last has until = to).
 * Sampled every 6 hours, then the change located to the minute; time zones change offset rarely.
 */
export function offsetSegments(
  tz: string,
  from: number,
  to: number,
): Array<{ until: number; offset: number }> {
  const step = 6 * 3_600_000;
  const out: Array<{ until: number; offset: number }> = [];
  let current = offsetAt(tz, from);
  for (let t = from; t < to; ) {
    const next = Math.min(t + step, to);
    const o = next < to ? offsetAt(tz, next) : current;
    if (o !== current) {
      // Offsets change on whole minutes: bisect on the minute grid. offset(lo) = current, offset(hi) = o.
      let lo = Math.floor(t / 60_000) * 60_000;
      let hi = Math.ceil(next / 60_000) * 60_000;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetAt(tz, mid) === current) lo = mid;
        else hi = mid;
      }
      out.push({ until: hi, offset: current });
      current = o;
    }
    t = next;
  }
  out.push({ until: to, offset: current });
  return out;
}
