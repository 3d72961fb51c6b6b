import { call, newKey } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { won } from '../shared/i18n.js';
import type { App } from './app.js';
import { store, type Ticket } from './store.js';
import { verifyBox } from './verify.js';

interface Reservation {
  reservationId: string;
  status: string;
  price: number;
}

/** Tickets bought on this device (the API has no per-user list), each read back for its status. */
export async function ticketsView(app: App, onlyJustPaid: boolean): Promise<void> {
  const justPaid: string[] = JSON.parse(sessionStorage.getItem('sd.justPaid') ?? '[]');
  const tickets = store.tickets().filter((t) => !onlyJustPaid || justPaid.includes(t.reservationId));
  const list = h('ul', { class: 'tickets' });
  mount(
    app.main,
    onlyJustPaid
      ? [h('h1', { id: 'paid-title' }, app.t('paidTitle')), h('p', {}, app.t('paidNote'))]
      : [h('h1', {}, app.t('ticketsTitle')), h('p', { class: 'muted' }, app.t('ticketsNote'))],
    tickets.length ? list : h('p', {}, app.t('noTickets')),
    // The confirmation links each pre-queued sale's draw (issue 17's "verify" link).
    onlyJustPaid
      ? [...new Set(tickets.map((t) => t.concertId))].map((id) =>
          id === undefined ? null : verifyBox(app, id),
        )
      : null,
    h(
      'p',
      {},
      h(
        'button',
        { type: 'button', onclick: () => app.go(onlyJustPaid ? 'tickets' : 'home') },
        app.t(onlyJustPaid ? 'navTickets' : 'backHome'),
      ),
    ),
  );
  await Promise.all(tickets.map(async (ticket) => list.append(await row(app, ticket))));
}

async function row(app: App, ticket: Ticket): Promise<HTMLElement> {
  const li = h('li', { class: 'card ticket', 'data-reservation': ticket.reservationId });
  const status = h('p', { class: 'status' });
  const note = h('p', { role: 'status' });
  const actions = h('p');
  const show = (r: Reservation) => {
    status.textContent = app.t(`status_${r.status}`);
    actions.replaceChildren();
    if (r.status === 'CONFIRMED')
      actions.append(
        h(
          'button',
          { type: 'button', class: 'danger', onclick: () => act('refund') },
          app.t('refund', { amount: won(r.price, app.lang) }),
        ),
      );
    if (r.status === 'ON_HOLD')
      actions.append(h('button', { type: 'button', onclick: () => act('release') }, app.t('release')));
  };
  const act = async (what: 'refund' | 'release') => {
    note.className = '';
    try {
      const headers = { 'x-queue-token': ticket.token };
      if (what === 'refund') {
        const r = await call<{ refunded: number; balanceAfter: number }>(
          `/reservations/${ticket.reservationId}/refund`,
          { method: 'POST', headers, idempotencyKey: newKey() },
        );
        note.textContent = app.t('refunded', {
          amount: won(r.refunded, app.lang),
          balance: won(r.balanceAfter, app.lang),
        });
      } else {
        await call(`/reservations/${ticket.reservationId}`, {
          method: 'DELETE',
          headers,
          idempotencyKey: newKey(),
        });
        note.textContent = app.t('releasedOk');
      }
      show(await call<Reservation>(`/reservations/${ticket.reservationId}`));
    } catch (e) {
      note.className = 'error';
      note.textContent = app.errorText(e);
    }
  };
  mount(
    li,
    h('h2', {}, app.t('ticketSeat', { label: ticket.label })),
    h('p', { class: 'muted' }, `${ticket.what} · ${won(ticket.price, app.lang)}`),
    status,
    actions,
    note,
  );
  try {
    show(await call<Reservation>(`/reservations/${ticket.reservationId}`));
  } catch (e) {
    note.textContent = app.errorText(e);
  }
  return li;
}
