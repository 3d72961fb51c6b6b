import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock, dateTime, won } from '../shared/i18n.js';
import { spark } from './chart.js';
import { controlsState, type Room, roomCard } from './controls.js';
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

  const render = (live: Live, sample = true) => {
    last = live;
    const { queue, responses } = live;
    // A redraw after a control (no new figures) must not add a point to the charts.
    const series = (key: string, n: number) => (sample ? push(key, n) : (history[key] ?? [n]));
    const errors = responses.total
      ? ((responses.clientErrors + responses.serverErrors) / responses.total) * 100
      : 0;
    // Keep the focus across refreshes (half-typed values are kept in `controls`).
    const focused = document.activeElement?.id;
    mount(
      region,
      h('h2', {}, a.t('room')),
      h(
        'div',
        { class: 'tiles' },
        tile(a.t('waiting'), queue.waiting.toLocaleString(), 'waiting', queue.waiting, series),
        tile(a.t('active'), queue.active.toLocaleString(), 'active', queue.active, series),
        tile(
          a.t('rate'),
          queue.admittedPerSecond === null ? '—' : String(queue.admittedPerSecond),
          'rate',
          queue.admittedPerSecond ?? 0, series,),
        tile(a.t('errors'), `${errors.toFixed(1)}%`, 'errors', errors, series),
      ),
      h(
        'p',
        { class: 'muted' },
        a.t('settings', { n: queue.admitPerTick, ms: queue.tickMs, cap: queue.maxActive }),
      ),
      h('h2', {}, a.t('saleRooms')),
      live.rooms.length
        ? h(
            'div',
            { class: 'rooms' },
            live.rooms.map((r) => roomCard(a, r, controls, () => last && render(last, false))),
          )
        : h('p', { class: 'muted' }, a.t('noRooms')),
      h('h2', {}, a.t('sales')),
      h(
        'div',
        { class: 'scroll' },
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
      ),
    );
    if (focused) document.getElementById(focused)?.focus();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const poll = async () => {
    try {
      render(await call<Live>('/admin/live'));
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
