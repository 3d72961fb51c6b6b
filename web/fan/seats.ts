import { ApiError, call, newKey } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock } from '../shared/i18n.js';
import type { App } from './app.js';
import { checkout } from './checkout.js';
import { keepPresence } from './presence.js';
import { type Seat, seatGrid } from './seat-grid.js';
import { type Hold, type Place, store } from './store.js';

interface Schedule {
  scheduleId: number;
  salesOpenAt?: string | null;
}

/** The seat map, refreshed every 2 s without a reload; picks, holds, then checkout. */
export function seatsView(app: App, place: Place): void {
  const turn = h('p', { class: 'muted', id: 'turn', role: 'timer' });
  const opening = h('p', { class: 'note', id: 'opening', hidden: true });
  const map = h('div', { id: 'seat-map', 'aria-busy': 'true' }, app.t('loading'));
  const count = h('span', { id: 'selected-count', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert', id: 'seat-error' });
  const holdButton = h('button', {
    type: 'button',
    class: 'primary',
    id: 'hold',
    disabled: true,
  }) as HTMLButtonElement;
  const holdsRegion = h('section', { id: 'holds', 'aria-label': app.t('holdsTitle') });
  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': app.t('legend') },
    ['available', 'held', 'sold', 'selected', 'mine'].map((k) =>
      h('li', {}, h('span', { class: `swatch ${k}`, 'aria-hidden': 'true' }), app.t(k)),
    ),
  );
  const presence = keepPresence(app, place, () => app.go('lost', 'lostTurn'));
  mount(
    app.main,
    h('h1', {}, app.t('seatsTitle')),
    h('p', {}, place.what),
    turn,
    presence.banner,
    opening,
    legend,
    map,
    h('div', { class: 'bar' }, count, holdButton),
    error,
    holdsRegion,
  );

  let opensAt = 0;
  let stopped = false;
  app.onLeave(() => {
    stopped = true;
  });
  const grid = seatGrid(
    app,
    map,
    (seatNumber) => place.holds.some((x) => x.seatNumber === seatNumber),
    () => {
      count.textContent = app.t('selectedCount', { n: grid.selected.size });
      holdButton.textContent = app.t('hold');
      holdButton.disabled = grid.selected.size === 0 || opensAt > Date.now();
    },
  );
  const selected = grid.selected;

  const refresh = async () => {
    try {
      const reply = await call<{ seats: Seat[] }>(
        `/concerts/${place.concertId}/schedules/${place.scheduleId}/seats`,
      );
      grid.update(reply.seats);
    } catch (e) {
      error.textContent = app.errorText(e);
    }
  };

  holdButton.addEventListener('click', async () => {
    error.textContent = '';
    holdButton.disabled = true;
    const problems: string[] = [];
    for (const seatNumber of [...selected]) {
      try {
        const r = await call<{ reservationId: string; holdExpiresAt: string; price: number }>(
          '/reservations',
          {
            method: 'POST',
            headers: { 'x-queue-token': place.token },
            idempotencyKey: newKey(),
            body: {
              userId: place.userId,
              concertId: place.concertId,
              scheduleId: place.scheduleId,
              seatNumber,
            },
          },
        );
        const hold: Hold = {
          reservationId: r.reservationId,
          seatNumber,
          label: grid.labelOf(seatNumber),
          price: r.price,
          holdExpiresAt: r.holdExpiresAt,
          payKey: newKey(),
        };
        place.holds.push(hold);
        store.savePlace(place);
      } catch (e) {
        problems.push(`${app.t('ticketSeat', { label: grid.labelOf(seatNumber) })}: ${app.errorText(e)}`);
        if (e instanceof ApiError && e.status === 401) return app.go('lost', 'lostTurn');
      }
      selected.delete(seatNumber);
    }
    error.textContent = problems.join(' ');
    await refresh();
    showHolds();
  });

  const showHolds = () => checkout(app, place, holdsRegion, () => void refresh(), presence.stop);

  const loadWindow = async () => {
    try {
      const { schedules } = await call<{ schedules: Schedule[] }>(
        `/concerts/${place.concertId}/schedules?includeSoldOut=true`,
      );
      const open = schedules.find((s) => s.scheduleId === place.scheduleId)?.salesOpenAt;
      opensAt = open ? Date.parse(open) : 0;
    } catch {
      opensAt = 0;
    }
  };

  const tick = () => {
    if (stopped) return;
    const left = (Date.parse(place.expiresAt) - Date.now()) / 1000;
    if (left <= 0) return app.go('lost', 'lostTurn');
    turn.textContent = app.t('turnUntil', { t: clock(left) });
    const opensIn = (opensAt - Date.now()) / 1000;
    opening.hidden = opensIn <= 0;
    if (opensIn > 0) opening.textContent = app.t('saleOpensIn', { t: clock(opensIn) });
    holdButton.disabled = selected.size === 0 || opensIn > 0;
  };
  const timer = setInterval(tick, 1000);
  const poller = setInterval(() => void refresh(), 2000);
  app.onLeave(() => {
    clearInterval(timer);
    clearInterval(poller);
  });
  void loadWindow().then(tick);
  void refresh();
  showHolds();
}
