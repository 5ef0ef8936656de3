import { HttpError } from './errors.js';

/** Ids are INTEGER columns: 32-bit. */
const MAX_ID = 2_147_483_647;

/**
 * A numeric id from the path (`/api/apps/:id`). Anything that cannot be one (not a whole number, or
 * past what an INTEGER column holds: `99999999999999999999999` reached the database as a value it
 * refused, a 500) is an id nothing has: 404.
 */
export function idParam(raw: string | undefined): number {
  // Digits only: Number() also reads `0x1`, `1e3` and ` 1` as ids
  const n = raw !== undefined && /^\d{1,10}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > MAX_ID) throw new HttpError(404, 'not found');
  return n;
}
