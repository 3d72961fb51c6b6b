import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import type { Admin } from './main.js';

interface Venue {
  venueId: number;
  name: string;
}
interface Concert {
  concertId: number;
  title: string;
}

const field = (id: string, label: string, input: HTMLElement) =>
  h('p', {}, h('label', { for: id }, label), input);
const local = (value: string) => new Date(value).toISOString();

/** Create a venue, a concert there, and a date with its sale's opening time. */
export async function createForms(a: Admin, region: HTMLElement): Promise<void> {
  const status = h('p', { role: 'status', id: 'create-status' });
  // The forms are made anew (new venues and concerts in the lists) before the success is shown.
  const show = async (what: string, id: number) => {
    await createForms(a, region);
    const fresh = region.querySelector('#create-status');
    if (fresh) fresh.textContent = a.t('created', { what, id });
  };
  const fail = (error: unknown) => {
    status.className = 'error';
    status.textContent = a.errorText(error);
  };
  let venues: Venue[] = [];
  let concerts: Concert[] = [];
  try {
    [venues, concerts] = await Promise.all([
      call<{ venues: Venue[] }>('/admin/venues').then((r) => r.venues),
      call<{ concerts: Concert[] }>('/admin/concerts').then((r) => r.concerts),
    ]);
  } catch (error) {
    fail(error);
  }
  const input = (id: string, attrs: Record<string, string | number | boolean> = {}) =>
    h('input', { id, name: id, required: true, ...attrs }) as HTMLInputElement;
  const select = (id: string, options: [number, string][]) =>
    h(
      'select',
      { id, name: id, required: true },
      options.map(([v, text]) => h('option', { value: v }, text)),
    ) as HTMLSelectElement;

  const venueName = input('venue-name');
  const sections = h(
    'textarea',
    { id: 'venue-sections', rows: 3, required: true },
    'A 50 80000',
  ) as HTMLTextAreaElement;
  const venueForm = h(
    'form',
    {
      class: 'card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const list = sections.value
            .trim()
            .split('\n')
            .map((line) => {
              const [name = '', seatCount, price] = line.trim().split(/\s+/);
              return { name, seatCount: Number(seatCount), price: Number(price) };
            });
          const r = await call<{ venueId: number }>('/admin/venues', {
            method: 'POST',
            body: { name: venueName.value, sections: list },
          });
          await show(a.t('venue'), r.venueId);
        } catch (error) {
          fail(error);
        }
      },
    },
    h('h3', {}, a.t('createVenue')),
    field('venue-name', a.t('venueName'), venueName),
    field('venue-sections', a.t('sections'), sections),
    h('button', { type: 'submit' }, a.t('createVenue')),
  );

  const title = input('concert-title');
  const artist = input('concert-artist');
  const venue = select(
    'concert-venue',
    venues.map((v) => [v.venueId, v.name]),
  );
  const concertForm = h(
    'form',
    {
      class: 'card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await call<{ concertId: number }>('/admin/concerts', {
            method: 'POST',
            body: { title: title.value, artist: artist.value, venueId: Number(venue.value) },
          });
          await show(a.t('concert'), r.concertId);
        } catch (error) {
          fail(error);
        }
      },
    },
    h('h3', {}, a.t('createConcert')),
    field('concert-title', a.t('concertTitle'), title),
    field('concert-artist', a.t('artist'), artist),
    field('concert-venue', a.t('venue'), venue),
    h('button', { type: 'submit' }, a.t('createConcert')),
  );

  const concert = select(
    'schedule-concert',
    concerts.map((c) => [c.concertId, `#${c.concertId} ${c.title}`]),
  );
  if (concerts.length) concert.value = String(concerts[concerts.length - 1]?.concertId);
  const startsAt = input('schedule-starts', { type: 'datetime-local', step: 1 });
  const opensAt = input('schedule-opens', { type: 'datetime-local', step: 1 });
  const scheduleForm = h(
    'form',
    {
      class: 'card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await call<{ scheduleId: number }>(`/admin/concerts/${concert.value}/schedules`, {
            method: 'POST',
            body: { startsAt: local(startsAt.value), salesOpenAt: local(opensAt.value) },
          });
          await show(a.t('show'), r.scheduleId);
        } catch (error) {
          fail(error);
        }
      },
    },
    h('h3', {}, a.t('createSchedule')),
    field('schedule-concert', a.t('concert'), concert),
    field('schedule-starts', a.t('startsAt'), startsAt),
    field('schedule-opens', a.t('opensAt'), opensAt),
    h('button', { type: 'submit' }, a.t('createSchedule')),
  );

  mount(
    region,
    h('h2', {}, a.t('create')),
    status,
    h('div', { class: 'forms' }, venueForm, concertForm, scheduleForm),
  );
}
