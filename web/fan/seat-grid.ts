import { h, mount } from '../shared/dom.js';
import { won } from '../shared/i18n.js';
import type { App } from './app.js';

export interface Seat {
  seatNumber: number;
  status: 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';
  price: number;
  section: string;
  label: string;
}

/**
 * The seat map by section. Buttons are made once and updated in place, so keyboard focus
 * survives the refreshes; `mine` tells which seats this fan holds.
 */
export function seatGrid(
  app: App,
  map: HTMLElement,
  mine: (seatNumber: number) => boolean,
  changed: () => void,
) {
  const selected = new Set<number>();
  const buttons = new Map<number, HTMLButtonElement>();
  let seats: Seat[] = [];

  const word = (s: Seat) => {
    if (mine(s.seatNumber)) return 'mine';
    if (selected.has(s.seatNumber)) return 'selected';
    if (s.status === 'AVAILABLE') return 'available';
    return s.status === 'RESERVED' ? 'sold' : 'held';
  };

  const paint = () => {
    for (const s of seats) {
      const b = buttons.get(s.seatNumber);
      if (!b) continue;
      const status = word(s);
      b.className = `seat ${status}`;
      b.disabled = s.status !== 'AVAILABLE' && !selected.has(s.seatNumber);
      b.setAttribute('aria-pressed', String(selected.has(s.seatNumber)));
      b.setAttribute(
        'aria-label',
        app.t('seatAria', { label: s.label, price: won(s.price, app.lang), status: app.t(status) }),
      );
    }
    changed();
  };

  const build = () => {
    const sections = new Map<string, Seat[]>();
    for (const s of seats) sections.set(s.section, [...(sections.get(s.section) ?? []), s]);
    mount(
      map,
      [...sections].map(([name, list]) =>
        h(
          'fieldset',
          { class: 'section' },
          h(
            'legend',
            {},
            app.t('sectionPrice', { name, price: won(Math.min(...list.map((s) => s.price)), app.lang) }),
          ),
          h(
            'div',
            { class: 'grid' },
            list.map((s) => {
              const b = h(
                'button',
                {
                  type: 'button',
                  'data-seat': s.seatNumber,
                  onclick: () => {
                    if (selected.has(s.seatNumber)) selected.delete(s.seatNumber);
                    else if (s.status === 'AVAILABLE') selected.add(s.seatNumber);
                    paint();
                  },
                },
                s.label.replace(/^.*-/, ''),
              ) as HTMLButtonElement;
              buttons.set(s.seatNumber, b);
              return b;
            }),
          ),
        ),
      ),
    );
    map.removeAttribute('aria-busy');
  };

  return {
    selected,
    labelOf: (seatNumber: number) =>
      seats.find((s) => s.seatNumber === seatNumber)?.label ?? String(seatNumber),
    /** A fresh seat map: a seat taken by someone else leaves the selection. */
    update(next: Seat[]): void {
      const fresh = buttons.size === 0;
      seats = next;
      for (const s of seats) if (s.status !== 'AVAILABLE') selected.delete(s.seatNumber);
      if (fresh) build();
      paint();
    },
    paint,
  };
}
