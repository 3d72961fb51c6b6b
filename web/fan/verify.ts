import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import type { App } from './app.js';
import { store } from './store.js';

interface Fairness {
  commitment: string;
  drawn: boolean;
  entrants?: string[];
}

/**
 * The "verify" box of a sale this fan pre-queued for (issue 17): the public draw data, the
 * fan's own salted entry and whether it is in the published list, and the command that
 * replays the draw. Nothing when this device holds no pre-queue entry for the concert.
 */
export function verifyBox(app: App, concertId: number, userId?: number): HTMLElement | null {
  const entry = store
    .draws()
    .find((d) => d.concertId === concertId && (userId === undefined || d.userId === userId));
  if (!entry) return null;
  const url = `/sales/${concertId}/fairness`;
  const body = h('div', { 'aria-busy': 'true' }, app.t('loading'));
  const box = h(
    'details',
    { class: 'card verify', id: `verify-${concertId}` },
    h('summary', {}, app.t('verifyTitle')),
    body,
  );
  void (async () => {
    try {
      const f = await call<Fairness>(url);
      const mine = f.entrants?.includes(entry.hash);
      const command =
        `npm run verify-lottery -- --url ${location.origin} --concert ${concertId}` +
        ` --user ${entry.userId} --salt ${entry.salt}`;
      body.removeAttribute('aria-busy');
      mount(
        body,
        h('p', {}, app.t('verifyCommitted'), ' ', h('code', {}, f.commitment)),
        f.drawn ? h('p', {}, app.t('verifyDrawn', { n: f.entrants?.length ?? 0 })) : null,
        h(
          'p',
          {},
          app.t('verifyYou'),
          ' ',
          h('code', { 'data-entrant': '' }, entry.hash),
          ` (${app.t('verifySalt')} `,
          h('code', {}, entry.salt),
          ')',
        ),
        f.drawn
          ? h(
              'p',
              { class: mine ? '' : 'error', id: `verify-found-${concertId}` },
              app.t(mine ? 'verifyFound' : 'verifyMissing'),
            )
          : null,
        h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener' }, app.t('verifyData'))),
        h('p', {}, app.t('verifyReplay')),
        h('pre', {}, h('code', {}, command)),
      );
    } catch (e) {
      body.removeAttribute('aria-busy');
      mount(body, h('p', { class: 'error' }, app.errorText(e)));
    }
  })();
  return box;
}
