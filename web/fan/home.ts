import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock, dateTime } from '../shared/i18n.js';
import type { App } from './app.js';
import { joinLine } from './join.js';
import { store } from './store.js';

interface Concert {
  concertId: number;
  title: string;
  artist: string;
  venue: string;
}
interface Schedule {
  scheduleId: number;
  startsAt: string;
  availableSeats: number;
  totalSeats: number;
  salesOpenAt?: string | null;
  salesCloseAt?: string | null;
}

/** The sale's state from its window; the countdown element is refreshed every second. */
function saleBadge(app: App, s: Schedule): HTMLElement {
  const now = Date.now();
  if (s.salesCloseAt && Date.parse(s.salesCloseAt) <= now)
    return h('span', { class: 'badge off' }, app.t('closed'));
  if (s.salesOpenAt && Date.parse(s.salesOpenAt) > now) {
    const el = h('span', { class: 'badge soon', 'data-until': s.salesOpenAt });
    el.textContent = app.t('opensIn', { t: clock((Date.parse(s.salesOpenAt) - now) / 1000) });
    return el;
  }
  return h('span', { class: 'badge on' }, app.t('onSale'));
}

export async function homeView(app: App): Promise<void> {
  const list = h('div', { 'aria-busy': 'true' }, app.t('loading'));
  const joinRegion = h('section', { class: 'card', 'aria-labelledby': 'join-title', id: 'join' });
  mount(app.main, h('h1', {}, app.t('concertsTitle')), h('div', { class: 'home' }, list, joinRegion));

  let chosen: { concertId: number; scheduleId: number; what: string } | null = null;
  const renderJoin = () => {
    const idField = app.jwtUser
      ? h('p', {}, app.t('signedIn', { id: app.jwtUser }))
      : h(
          'p',
          {},
          h('label', { for: 'user-id' }, app.t('userId')),
          h('input', {
            id: 'user-id',
            name: 'userId',
            type: 'number',
            min: 1,
            step: 1,
            required: true,
            inputmode: 'numeric',
            'aria-describedby': 'user-id-hint',
          }),
          h('small', { id: 'user-id-hint' }, app.t('userIdHint')),
        );
    const error = h('p', { class: 'error', role: 'alert' });
    const checking = h('p', { role: 'status', id: 'pow-status', class: 'muted' });
    const showChecking = (share: number | null) => {
      checking.textContent =
        share === null ? '' : `${app.t('checking', { p: Math.floor(share * 100) })} ${app.t('checkingNote')}`;
    };
    const form = h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          if (!chosen) return;
          const input = form.querySelector<HTMLInputElement>('#user-id');
          const userId = app.jwtUser ?? Number(input?.value);
          error.textContent = '';
          const submit = form.querySelector<HTMLButtonElement>('button[type=submit]');
          if (submit) submit.disabled = true;
          try {
            const issued = await joinLine(userId, chosen.concertId, showChecking);
            if (issued.entrant) store.addDraw({ concertId: chosen.concertId, userId, ...issued.entrant });
            store.savePlace({
              token: issued.token,
              userId,
              ...chosen,
              startPosition: issued.position ?? 0,
              lastStatus: issued.status,
              expiresAt: issued.expiresAt,
              holds: [],
            });
            app.go('waiting');
          } catch (e) {
            error.textContent = app.errorText(e);
            if (submit) submit.disabled = false;
          }
        },
      },
      h('p', { id: 'join-for' }, chosen ? app.t('joinFor', { what: chosen.what }) : app.t('pickFirst')),
      idField,
      h('button', { type: 'submit', class: 'primary', disabled: !chosen }, app.t('join')),
      checking,
      error,
    );
    mount(joinRegion, h('h2', { id: 'join-title' }, app.t('joinTitle')), form);
  };
  renderJoin();

  try {
    const { concerts } = await call<{ concerts: Concert[] }>('/concerts');
    const rows = await Promise.all(
      concerts.map(async (c) => {
        const { schedules } = await call<{ schedules: Schedule[] }>(
          `/concerts/${c.concertId}/schedules?includeSoldOut=true`,
        );
        return { c, schedules };
      }),
    );
    list.removeAttribute('aria-busy');
    if (rows.length === 0) return mount(list, h('p', {}, app.t('noConcerts')));
    mount(
      list,
      h(
        'ul',
        { class: 'concerts' },
        rows.map(({ c, schedules }) =>
          h(
            'li',
            { class: 'card' },
            h('h2', {}, c.title),
            h('p', { class: 'muted' }, `${c.artist} · ${c.venue}`),
            h(
              'ul',
              { class: 'dates' },
              schedules.map((s) => {
                const what = `${c.title}, ${dateTime(s.startsAt, app.lang)}`;
                return h(
                  'li',
                  {},
                  h('span', {}, h('strong', {}, dateTime(s.startsAt, app.lang)), ' ', saleBadge(app, s)),
                  h(
                    'span',
                    { class: 'muted' },
                    app.t('seatsLeft', { n: s.availableSeats, total: s.totalSeats }),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      'aria-pressed': String(chosen?.scheduleId === s.scheduleId),
                      'aria-label': `${app.t('choose')}: ${what}`,
                      onclick: (event: Event) => {
                        chosen = { concertId: c.concertId, scheduleId: s.scheduleId, what };
                        for (const b of list.querySelectorAll('[aria-pressed]'))
                          b.setAttribute('aria-pressed', 'false');
                        (event.currentTarget as HTMLElement).setAttribute('aria-pressed', 'true');
                        renderJoin();
                        (
                          joinRegion.querySelector('input,button[type=submit]') as HTMLElement | null
                        )?.focus();
                      },
                    },
                    app.t('choose'),
                  ),
                );
              }),
            ),
          ),
        ),
      ),
    );
  } catch (e) {
    mount(list, h('p', { class: 'error', role: 'alert' }, app.errorText(e)));
  }
  const timer = setInterval(() => {
    for (const el of list.querySelectorAll<HTMLElement>('[data-until]')) {
      const left = (Date.parse(el.dataset.until ?? '') - Date.now()) / 1000;
      el.textContent = left > 0 ? app.t('opensIn', { t: clock(left) }) : app.t('onSale');
      if (left <= 0) el.className = 'badge on';
    }
  }, 1000);
  app.onLeave(() => clearInterval(timer));
}
