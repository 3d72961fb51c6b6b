import { ApiError, call, newKey } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock, won } from '../shared/i18n.js';
import type { App } from './app.js';
import { type Place, store } from './store.js';

/** Held seats with their countdowns, release, the balance, a top-up and the payment. */
/** `paying` is called as a payment starts: a payment ends the queue session on purpose. */
export function checkout(
  app: App,
  place: Place,
  region: HTMLElement,
  changed: () => void,
  paying: () => void = () => {},
): void {
  const live = place.holds.filter((x) => Date.parse(x.holdExpiresAt) > Date.now());
  place.holds = live;
  store.savePlace(place);
  if (live.length === 0) {
    mount(region);
    return;
  }
  const total = live.reduce((sum, x) => sum + x.price, 0);
  const balance = h('p', { id: 'balance' });
  const message = h('p', { role: 'status', id: 'checkout-status' });
  const error = h('p', { class: 'error', role: 'alert', id: 'checkout-error' });
  const amount = h('input', {
    id: 'charge-amount',
    type: 'number',
    min: 1000,
    step: 1000,
    inputmode: 'numeric',
  }) as HTMLInputElement;
  const showError = (e: unknown) => {
    error.textContent = app.errorText(e);
  };

  const loadBalance = async () => {
    try {
      const r = await call<{ amount: number }>(`/users/${place.userId}/amount`, {
        headers: { 'x-queue-token': place.token },
      });
      balance.textContent = app.t('balance', { amount: won(r.amount, app.lang) });
      amount.value = String(Math.max(1000, Math.ceil((total - r.amount) / 1000) * 1000));
    } catch (e) {
      showError(e);
    }
  };

  const holdRows = live.map((x) =>
    h(
      'li',
      {},
      h('span', {}, app.t('ticketSeat', { label: x.label }), ' · ', won(x.price, app.lang)),
      h('span', { class: 'muted', 'data-hold-until': x.holdExpiresAt }),
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            try {
              await call(`/reservations/${x.reservationId}`, {
                method: 'DELETE',
                headers: { 'x-queue-token': place.token },
                idempotencyKey: newKey(),
              });
              message.textContent = app.t('releasedOk');
            } catch (e) {
              if (!(e instanceof ApiError && e.code === 'RESERVATION_NOT_HELD')) return showError(e);
            }
            place.holds = place.holds.filter((y) => y.reservationId !== x.reservationId);
            store.savePlace(place);
            changed();
            checkout(app, place, region, changed, paying);
          },
        },
        `${app.t('release')} ${x.label}`,
      ),
    ),
  );

  const pay = async () => {
    error.textContent = '';
    paying();
    // Each hold is paid with its own key, reused on a retry, so a lost answer never pays twice.
    const results = await Promise.allSettled(
      live.map((x) =>
        call<{ paymentId: string }>('/payments', {
          method: 'POST',
          headers: { 'x-queue-token': place.token },
          idempotencyKey: x.payKey,
          body: { reservationId: x.reservationId, amount: x.price },
        }),
      ),
    );
    const paid = live.filter((_, i) => results[i].status === 'fulfilled');
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    store.addTickets(
      paid.map((x) => ({
        reservationId: x.reservationId,
        token: place.token,
        what: place.what,
        label: x.label,
        price: x.price,
        concertId: place.concertId,
      })),
    );
    if (failed) {
      place.holds = place.holds.filter((x) => !paid.includes(x));
      store.savePlace(place);
      showError(failed.reason);
      return void loadBalance();
    }
    sessionStorage.setItem('sd.justPaid', JSON.stringify(paid.map((x) => x.reservationId)));
    store.savePlace(null);
    app.go('done');
  };

  mount(
    region,
    h('h2', {}, app.t('holdsTitle')),
    h('ul', { class: 'holds' }, holdRows),
    balance,
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          error.textContent = '';
          try {
            const r = await call<{ amount: number; charged: number }>(`/users/${place.userId}/charge`, {
              method: 'PATCH',
              headers: { 'x-queue-token': place.token },
              idempotencyKey: newKey(),
              body: { amount: Number(amount.value) },
            });
            message.textContent = app.t('charged', { amount: won(r.charged, app.lang) });
            balance.textContent = app.t('balance', { amount: won(r.amount, app.lang) });
          } catch (e) {
            showError(e);
          }
        },
      },
      h('label', { for: 'charge-amount' }, app.t('chargeAmount')),
      amount,
      h('button', { type: 'submit', id: 'charge' }, app.t('charge')),
    ),
    h(
      'button',
      { type: 'button', class: 'primary', id: 'pay', onclick: pay },
      app.t('pay', { amount: won(total, app.lang) }),
    ),
    message,
    error,
  );
  const countdown = () => {
    for (const el of region.querySelectorAll<HTMLElement>('[data-hold-until]')) {
      const left = (Date.parse(el.dataset.holdUntil ?? '') - Date.now()) / 1000;
      el.textContent = left > 0 ? app.t('holdLeft', { t: clock(left) }) : app.t('holdLapsed');
    }
  };
  countdown();
  const timer = setInterval(() => (region.isConnected ? countdown() : clearInterval(timer)), 1000);
  void loadBalance();
}
