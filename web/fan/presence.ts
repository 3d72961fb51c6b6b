import { ApiError } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { clock } from '../shared/i18n.js';
import type { App } from './app.js';
import { checkIn, type QueueStatus, queueStream } from './queue.js';
import { type Place, store } from './store.js';

/** A check after the fan did something on the page, at most this often: it tells the server "still here". */
const REPORT_EVERY_MS = 30_000;

/**
 * Keeps an admitted fan's slot while they are really at the page (QUEUE_ACTIVE_IDLE_SECONDS:
 * a slot with no gated request, check or live hold for that long goes to the next fan).
 * Choosing seats is all on this page, with no request the server would see, so:
 * - after the fan clicks, types, touches or scrolls, a check reports it (at most every 30 s, and
 *   at once when the server warns);
 * - the queue stream's `idle-warning` (only when the fan really did nothing) shows a banner with
 *   the time left and an "I'm still here" button, which checks; `active` hides it again;
 * - `expired` from the stream, or a 401 from a check, ends the turn (not once a payment started).
 * A fan who walked away with the tab open is not kept: an open stream alone is no activity.
 */
export function keepPresence(
  app: App,
  place: Place,
  onLost: () => void,
): { banner: HTMLElement; stop: () => void } {
  const left = h('span', { id: 'idle-left' });
  const stay = h('button', { type: 'button', class: 'primary', id: 'still-here' }, app.t('stillHere'));
  const banner = h('div', { class: 'note', id: 'idle-warning', role: 'alert', hidden: true }, left, stay);
  let deadline = 0;
  let lastReport = Date.now();
  let acted = false;
  let stopped = false;

  const report = async () => {
    lastReport = Date.now();
    acted = false;
    try {
      const s = await checkIn(place.token);
      if (s.token) place.token = s.token;
      place.expiresAt = s.expiresAt;
      store.savePlace(place);
      if (!s.idleDeadline) hide();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && !stopped) onLost();
    }
  };
  const hide = () => {
    deadline = 0;
    banner.hidden = true;
  };
  const countdown = () => {
    if (deadline === 0) return;
    left.textContent = app.t('idleWarning', { t: clock(Math.max(0, (deadline - Date.now()) / 1000)) });
  };
  stay.addEventListener('click', () => void report());

  const noticed = () => {
    acted = true;
  };
  const kinds = ['pointerdown', 'keydown', 'touchstart', 'scroll'] as const;
  for (const kind of kinds) window.addEventListener(kind, noticed, { passive: true });
  const timer = setInterval(() => {
    if (acted && Date.now() - lastReport >= REPORT_EVERY_MS) void report();
    countdown();
  }, 1000);

  let source: EventSource | null = null;
  if (typeof EventSource !== 'undefined') {
    source = queueStream(place.token);
    source.addEventListener('idle-warning', (e) => {
      const s = JSON.parse((e as MessageEvent).data) as QueueStatus;
      if (!s.idleDeadline) return;
      // Busy on the page since the last report (a short idle window): say so now, no banner.
      if (acted) return void report();
      deadline = Date.parse(s.idleDeadline);
      banner.hidden = false;
      countdown();
    });
    source.addEventListener('active', hide);
    source.addEventListener('expired', () => {
      source?.close();
      if (!stopped) onLost();
    });
  }
  // Also when a payment starts: it ends the queue session on purpose, and the stream's
  // `expired` that follows must not be read as a lost turn while the checkout finishes.
  const stop = () => {
    stopped = true;
    source?.close();
    clearInterval(timer);
    hide();
    for (const kind of kinds) window.removeEventListener(kind, noticed);
  };
  app.onLeave(stop);
  return { banner, stop };
}
