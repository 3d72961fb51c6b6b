import { call } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { clock } from '../shared/i18n.js';
import type { Admin } from './main.js';

/** A sale's own waiting room and its live controls, as GET /admin/live reports them. */
export interface Room {
  concertId: number;
  title: string;
  preQueue: number;
  waiting: number;
  active: number;
  drawn: boolean;
  opensAt: string | null;
  paused: boolean;
  admitPerTick: number | null;
  maxActive: number | null;
  ticketLimit: number | null;
  effectiveAdmitPerTick: number;
  effectiveMaxActive: number;
  effectiveTicketLimit: number;
  admissionRatePerSecond: number;
  /** This server's last admission-rate decision for the room (QUEUE_ADMISSION_MODE). */
  admission: {
    mode: 'fixed' | 'adaptive';
    targetPerTick: number;
    maxPerTick: number;
    reason: string;
  } | null;
}

type Field = 'admitPerTick' | 'maxActive' | 'ticketLimit';
const FIELDS: Field[] = ['admitPerTick', 'maxActive', 'ticketLimit'];
type Patch = Partial<Record<Field, number | null>> & { paused?: boolean };

/**
 * What the controls keep across the 2-second refreshes (the cards are drawn anew each
 * time): half-typed values, a change waiting for its confirmation, the last outcome.
 */
export interface ControlsState {
  edits: Map<number, Partial<Record<Field, string>>>;
  pending: Map<number, Patch>;
  notes: Map<number, { text: string; error: boolean }>;
  /** Changes saved so far: a refresh asked for before the last one may show the old values. */
  saved: number;
}

export const controlsState = (): ControlsState => ({
  edits: new Map(),
  pending: new Map(),
  notes: new Map(),
  saved: 0,
});

/** The room's state in words: paused, before its opening, or admitting at its rate. */
function stateText(a: Admin, r: Room): string {
  if (r.paused) return a.t('paused');
  if (r.opensAt && !r.drawn && Date.parse(r.opensAt) > Date.now())
    return a.t('preQueueOpens', { t: clock((Date.parse(r.opensAt) - Date.now()) / 1000) });
  return a.t('admitting', { n: r.admissionRatePerSecond });
}

/**
 * A room's settings (a change redraws its card) apart from its moving figures (written into
 * the card in place, so a click on its controls is never lost to a refresh).
 */
export function splitRoom(r: Room) {
  const { preQueue, waiting, active, opensAt, admission, ...settings } = r;
  return {
    ...settings,
    figures: (a: Admin): Record<string, string> => ({
      state: stateText(a, r),
      prequeue: String(preQueue),
      waiting: String(waiting),
      active: `${active} / ${r.effectiveMaxActive}`,
      admission: admissionText(a, r),
    }),
  };
}

/** How the room's admission rate is set now: fixed, or adaptive with its last reason. */
function admissionText(a: Admin, r: Room): string {
  const policy = r.admission;
  if (!policy) return '';
  if (policy.mode === 'fixed') return a.t('admissionFixed', { n: policy.targetPerTick });
  return a.t('admissionAdaptive', { n: policy.targetPerTick, max: policy.maxPerTick, why: policy.reason });
}

/** One card per sale room: its figures, pause/resume, and the three numbers with a confirm step. */
export function roomCard(a: Admin, r: Room, state: ControlsState, redraw: () => void): HTMLElement {
  const id = r.concertId;
  const edits = state.edits.get(id) ?? {};
  const shown = (f: Field) => edits[f] ?? (r[f] === null ? '' : String(r[f]));
  const defaults: Record<Field, number> = {
    admitPerTick: r.effectiveAdmitPerTick,
    maxActive: r.effectiveMaxActive,
    ticketLimit: r.effectiveTicketLimit,
  };
  const input = (f: Field) => {
    const el = h('input', {
      id: `${f}-${id}`,
      type: 'number',
      min: 1,
      step: 1,
      inputmode: 'numeric',
      value: shown(f),
      placeholder: r[f] === null ? a.t('defaultIs', { n: defaults[f] }) : '',
      'aria-describedby': `hint-${id}`,
    }) as HTMLInputElement;
    el.addEventListener('input', () => {
      state.edits.set(id, { ...state.edits.get(id), [f]: el.value });
    });
    return h('p', {}, h('label', { for: `${f}-${id}` }, a.t(f)), el);
  };

  const ask = (patch: Patch) => {
    state.pending.set(id, patch);
    state.notes.delete(id);
    redraw();
    document.getElementById(`confirm-${id}`)?.focus();
  };
  const valueText = (f: Field, v: number | null) =>
    v === null ? a.t('defaultIs', { n: defaults[f] }) : String(v);
  const describe = (patch: Patch) =>
    [
      patch.paused === true ? a.t('pauseWhat') : null,
      patch.paused === false ? a.t('resumeWhat') : null,
      ...FIELDS.filter((f) => f in patch).map((f) =>
        a.t('changeWhat', {
          what: a.t(f),
          from: valueText(f, r[f]),
          to: valueText(f, patch[f] ?? null),
        }),
      ),
    ]
      .filter(Boolean)
      .join(' ');

  const apply = async (patch: Patch) => {
    try {
      // The answer is the sale's controls as stored: shown at once, not at the next refresh.
      Object.assign(r, await call<Partial<Room>>(`/admin/sales/${id}`, { method: 'PATCH', body: patch }));
      for (const f of FIELDS) if (f in patch) delete state.edits.get(id)?.[f];
      state.saved += 1;
      state.notes.set(id, { text: a.t('saved'), error: false });
    } catch (error) {
      state.notes.set(id, { text: a.errorText(error), error: true });
    }
    state.pending.delete(id);
    redraw();
  };

  const pending = state.pending.get(id);
  const note = state.notes.get(id);
  return h(
    'article',
    { class: 'card room', 'data-room': id, 'aria-labelledby': `room-${id}` },
    h(
      'h3',
      { id: `room-${id}` },
      `#${id} ${r.title} `,
      h('span', { class: `badge ${r.paused ? 'off' : 'on'}`, 'data-state': id }, stateText(a, r)),
    ),
    h(
      'dl',
      { class: 'figures' },
      h('div', {}, h('dt', {}, a.t('preQueue')), h('dd', { 'data-prequeue': id }, r.preQueue)),
      h('div', {}, h('dt', {}, a.t('waiting')), h('dd', { 'data-waiting': id }, r.waiting)),
      h(
        'div',
        {},
        h('dt', {}, a.t('active')),
        h('dd', { 'data-active': id }, `${r.active} / ${r.effectiveMaxActive}`),
      ),
    ),
    h('p', { class: 'muted', 'data-admission': id }, admissionText(a, r)),
    h(
      'form',
      {
        class: 'controls',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const patch: Patch = {};
          const typedNow = state.edits.get(id) ?? {};
          for (const f of FIELDS) {
            const typed = typedNow[f];
            if (typed === undefined) continue;
            const value = typed.trim() === '' ? null : Number(typed);
            if (value !== r[f]) patch[f] = value;
          }
          if (Object.keys(patch).length === 0) {
            state.notes.set(id, { text: a.t('nothingChanged'), error: false });
            return redraw();
          }
          ask(patch);
        },
      },
      h('div', { class: 'fields' }, FIELDS.map(input)),
      h('small', { id: `hint-${id}` }, a.t('controlsHint')),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            id: `pause-${id}`,
            class: r.paused ? 'primary' : 'danger',
            onclick: () => ask({ paused: !r.paused }),
          },
          r.paused ? a.t('resume') : a.t('pause'),
        ),
        h('button', { type: 'submit' }, a.t('apply')),
      ),
    ),
    pending
      ? h(
          'div',
          { class: 'confirm', role: 'group', 'aria-label': a.t('confirmTitle') },
          h('p', {}, describe(pending)),
          h(
            'button',
            { type: 'button', class: 'primary', id: `confirm-${id}`, onclick: () => apply(pending) },
            a.t('confirm'),
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () => {
                state.pending.delete(id);
                redraw();
              },
            },
            a.t('cancel'),
          ),
        )
      : null,
    h('p', { role: 'status', class: note?.error ? 'error' : 'muted', id: `note-${id}` }, note?.text ?? ''),
  );
}
