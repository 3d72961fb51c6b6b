import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock, dateTime, won } from '../shared/i18n.js';
import { spark } from './chart.js';
import { controlsState, type Room, roomCard, splitRoom } from './controls.js';
import type { Admin } from './main.js';

export interface Sale {
  concertId: number;
  scheduleId: number;
  title: string;
  startsAt: string;
  salesOpenAt: string | null;
  salesCloseAt: string | null;
  ticketLimit: number | null;
  seats: number;
  holds: number;
  sold: number;
  revenue: number;
}
interface Live {
  queue: {
    waiting: number;
    active: number;
    admittedPerSecond: number | null;
    admitPerTick: number;
    maxActive: number;
    tickMs: number;
  };
  responses: { total: number; clientErrors: number; serverErrors: number };
  sales: Sale[];
  rooms: Room[];
}

const HISTORY = 150; // 5 minutes at one sample per 2 s

/** Polls GET /admin/live every 2 s; keeps the last minutes in memory for the charts. */
export function liveView(a: Admin, region: HTMLElement): () => void {
  const history: Record<string, number[]> = {};
  const push = (key: string, value: number) => {
    const list = history[key] ?? [];
    list.push(value);
    if (list.length > HISTORY) list.shift();
    history[key] = list;
    return list;
  };
  const controls = controlsState();
  let last: Live | null = null;

  const tile = (
    label: string,
    value: string,
    key: string,
    n: number,
    series: (key: string, n: number) => number[],
  ) =>
    h(
      'div',
      { class: 'tile' },
      h('span', { class: 'muted' }, label),
      h('b', { 'data-figure': key }, value),
      spark(series(key, n), `${label}: ${a.t('trend')}`),
    );

  const windowText = (s: Sale) => {
    const now = Date.now();
    if (s.salesCloseAt && Date.parse(s.salesCloseAt) <= now) return a.t('closed');
    if (s.salesOpenAt && Date.parse(s.salesOpenAt) > now)
      return a.t('opensIn', { t: clock((Date.parse(s.salesOpenAt) - now) / 1000) });
    return a.t('onSale');
  };

  // The regions are made once; each refresh replaces only what changed, and never the room
  // cards' controls while their settings stay the same (a click or a half-typed value survives).
  const tilesRegion = h('div', { class: 'tiles' });
  const settingsLine = h('p', { class: 'muted' });
  const roomsRegion = h('div', { class: 'rooms' });
  const salesRegion = h('div', { class: 'scroll' });
  mount(
    region,
    h('h2', {}, a.t('saleRooms')),
    roomsRegion,
    h('h2', {}, a.t('room')),
    tilesRegion,
    settingsLine,
    h('h2', {}, a.t('sales')),
    salesRegion,
  );
  const cards = new Map<number, { key: string; el: HTMLElement }>();

  const cardFor = (r: Room) => {
    const { figures, ...settings } = splitRoom(r);
    const key = JSON.stringify([
      settings,
      controls.pending.get(r.concertId) ?? null,
      controls.notes.get(r.concertId) ?? null,
    ]);
    let card = cards.get(r.concertId);
    if (!card || card.key !== key) {
      const el = roomCard(a, r, controls, () => last && render(last, false));
      card = { key, el };
      card.el.dataset.key = key;
    } else {
      for (const [name, text] of Object.entries(figures(a))) {
        const cell = card.el.querySelector(`[data-${name}]`);
        if (cell && cell.textContent !== text) cell.textContent = text;
      }
    }
    cards.set(r.concertId, card);
    return card.el;
  };

  const render = (live: Live, sample = true) => {
    last = live;
    const { queue, responses } = live;
    // A redraw after a control (no new figures) must not add a point to the charts.
    const series = (key: string, n: number) => (sample ? push(key, n) : (history[key] ?? [n]));
    const errors = responses.total
      ? ((responses.clientErrors + responses.serverErrors) / responses.total) * 100
      : 0;
    const focused = document.activeElement?.id;

    if (live.rooms.length === 0) mount(roomsRegion, h('p', { class: 'muted' }, a.t('noRooms')));
    else {
      const wanted = live.rooms.map(cardFor);
      const current = [...roomsRegion.children];
      if (wanted.length !== current.length || wanted.some((el, i) => el !== current[i]))
        wanted.forEach((el, i) => {
          const at = roomsRegion.children[i];
          if (at !== el) at ? at.replaceWith(el) : roomsRegion.append(el);
        });
      while (roomsRegion.children.length > wanted.length) roomsRegion.lastElementChild?.remove();
    }

    mount(
      tilesRegion,
      tile(a.t('waiting'), queue.waiting.toLocaleString(), 'waiting', queue.waiting, series),
      tile(a.t('active'), queue.active.toLocaleString(), 'active', queue.active, series),
      tile(
        a.t('rate'),
        queue.admittedPerSecond === null ? '—' : String(queue.admittedPerSecond),
        'rate',
        queue.admittedPerSecond ?? 0,
        series,
      ),
      tile(a.t('errors'), `${errors.toFixed(1)}%`, 'errors', errors, series),
    );
    settingsLine.textContent = a.t('settings', {
      n: queue.admitPerTick,
      ms: queue.tickMs,
      cap: queue.maxActive,
    });
    mount(
      salesRegion,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              a.t('concert'),
              a.t('window'),
              a.t('seats'),
              a.t('holds'),
              a.t('sold'),
              a.t('revenue'),
              a.t('trend'),
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          live.sales.map((s) =>
            h(
              'tr',
              { 'data-schedule': s.scheduleId },
              h('th', { scope: 'row' }, s.title, h('small', {}, dateTime(s.startsAt, a.lang))),
              h('td', { 'data-window': s.scheduleId }, windowText(s)),
              h('td', {}, s.seats),
              h('td', {}, s.holds),
              h('td', { 'data-sold': s.scheduleId }, s.sold),
              h('td', {}, won(s.revenue, a.lang)),
              h(
                'td',
                { class: 'chart' },
                spark(series(`sold-${s.scheduleId}`, s.sold), `${a.t('sold')}: ${a.t('trend')}`),
              ),
            ),
          ),
        ),
      ),
    );
    if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const poll = async () => {
    const savedBefore = controls.saved;
    try {
      const live = await call<Live>('/admin/live');
      // Asked for before a change was saved, it may show the old values: ask again at once
      // rather than flip the saved control back for two seconds.
      if (controls.saved !== savedBefore) {
        if (!stopped) timer = setTimeout(poll, 0);
        return;
      }
      render(live);
    } catch (error) {
      a.failed(error);
    }
    if (!stopped) timer = setTimeout(poll, 2000);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
