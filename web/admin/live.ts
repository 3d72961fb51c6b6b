import { call } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock, dateTime, won } from '../shared/i18n.js';
import { spark } from './chart.js';
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
  const edits = new Map<number, string>();

  const tile = (label: string, value: string, key: string, n: number) =>
    h(
      'div',
      { class: 'tile' },
      h('span', { class: 'muted' }, label),
      h('b', { 'data-figure': key }, value),
      spark(push(key, n), `${label}: ${a.t('trend')}`),
    );

  const windowText = (s: Sale) => {
    const now = Date.now();
    if (s.salesCloseAt && Date.parse(s.salesCloseAt) <= now) return a.t('closed');
    if (s.salesOpenAt && Date.parse(s.salesOpenAt) > now)
      return a.t('opensIn', { t: clock((Date.parse(s.salesOpenAt) - now) / 1000) });
    return a.t('onSale');
  };

  const limitCell = (s: Sale) => {
    const input = h('input', {
      type: 'number',
      min: 1,
      step: 1,
      id: `limit-${s.scheduleId}`,
      'aria-label': `${a.t('limit')}: ${s.title}`,
      placeholder: a.t('default'),
      value: edits.get(s.scheduleId) ?? s.ticketLimit ?? '',
    }) as HTMLInputElement;
    input.addEventListener('input', () => edits.set(s.scheduleId, input.value));
    const note = h('span', { role: 'status' });
    return h(
      'td',
      {},
      h(
        'form',
        {
          class: 'inline',
          onsubmit: async (e: Event) => {
            e.preventDefault();
            try {
              await call(`/admin/sales/${s.concertId}`, {
                method: 'PATCH',
                body: { ticketLimit: input.value ? Number(input.value) : null },
              });
              edits.delete(s.scheduleId);
              note.textContent = a.t('saved');
            } catch (error) {
              note.textContent = a.errorText(error);
            }
          },
        },
        input,
        h('button', { type: 'submit' }, a.t('save')),
        note,
      ),
    );
  };

  const render = (live: Live) => {
    const { queue, responses } = live;
    const errors = responses.total
      ? ((responses.clientErrors + responses.serverErrors) / responses.total) * 100
      : 0;
    // Keep a half-typed limit (and its focus) across refreshes.
    const focused = document.activeElement?.id;
    mount(
      region,
      h('h2', {}, a.t('room')),
      h(
        'div',
        { class: 'tiles' },
        tile(a.t('waiting'), queue.waiting.toLocaleString(), 'waiting', queue.waiting),
        tile(a.t('active'), queue.active.toLocaleString(), 'active', queue.active),
        tile(
          a.t('rate'),
          queue.admittedPerSecond === null ? '—' : String(queue.admittedPerSecond),
          'rate',
          queue.admittedPerSecond ?? 0,
        ),
        tile(a.t('errors'), `${errors.toFixed(1)}%`, 'errors', errors),
      ),
      h(
        'p',
        { class: 'muted' },
        a.t('settings', { n: queue.admitPerTick, ms: queue.tickMs, cap: queue.maxActive }),
      ),
      h('p', { class: 'note' }, a.t('controlsNote')),
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
                a.t('limit'),
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
                  spark(push(`sold-${s.scheduleId}`, s.sold), `${a.t('sold')}: ${a.t('trend')}`),
                ),
                limitCell(s),
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
