import type { FastifyRequest } from 'fastify';
import type { Hq } from '../context';

/** The header a seat sends its clock in, with every request (ISO 8601). */
export const SEAT_TIME_HEADER = 'x-seat-time';

/** Beyond this a seat's clock is not wrong but broken or forged: it is not used to correct anything. */
const PLAUSIBLE_MS = 366 * 86_400_000;

/**
 * The seat's clock minus head office's, in ms, as measured on this request (its X-Seat-Time against head
 * office's time of arrival), or null when the seat sent none or an implausible one. The network's delay is in
 * it (the seat's time is earlier by it): milliseconds on a branch's line.
 */
export function seatClockOffset(hq: Hq, req: FastifyRequest): number | null {
  const header = req.headers[SEAT_TIME_HEADER];
  if (typeof header !== 'string' || header.length > 40) return null;
  const seatMs = Date.parse(header);
  if (!Number.isFinite(seatMs)) return null;
  const offset = seatMs - hq.now().getTime();
  return Math.abs(offset) <= PLAUSIBLE_MS ? offset : null;
}

/** Keeps a seat's measured offset (pull rounds; a push keeps it in its own transaction). */
export async function recordSeatClock(hq: Hq, seatId: string, offset: number | null): Promise<void> {
  if (offset === null) return;
  await hq.db.db
    .updateTable('seats')
    .set({ clock_offset_ms: offset, clock_checked_at: hq.now().toISOString() })
    .where('id', '=', seatId)
    .execute();
}
