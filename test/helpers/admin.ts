import type { TestApp } from './app.js';

export const ADMIN_TOKEN = 'operator-secret-0123456789';

/** A request to the operator API with the operator's bearer token. */
export function admin(
  t: TestApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(payload ? { payload } : {}),
  });
}

export interface CatalogIds {
  venueId: number;
  concertId: number;
  scheduleId: number;
}

/** A venue with the given sections, a concert there and one schedule: their ids. */
export async function createSale(
  t: TestApp,
  sections: { name: string; seatCount: number; price: number }[],
  times: { startsAt: string; salesOpenAt: string; salesCloseAt?: string },
): Promise<CatalogIds> {
  const venue = await admin(t, 'POST', '/admin/venues', { name: 'Test Hall', sections });
  if (venue.statusCode !== 201) throw new Error(venue.body);
  const { venueId } = venue.json();
  const concert = await admin(t, 'POST', '/admin/concerts', {
    title: 'Test Night',
    artist: 'Testers',
    venueId,
  });
  const { concertId } = concert.json();
  const schedule = await admin(t, 'POST', `/admin/concerts/${concertId}/schedules`, times);
  if (schedule.statusCode !== 201) throw new Error(schedule.body);
  return { venueId, concertId, scheduleId: schedule.json().scheduleId };
}
