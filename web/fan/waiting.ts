import { ApiError } from '../shared/api.js';
import { h, mount } from '../shared/dom.js';
import { clock } from '../shared/i18n.js';
import type { App } from './app.js';
import { checkIn, type QueueStatus, queueStream } from './queue.js';
import { type Place, store } from './store.js';
import { verifyBox } from './verify.js';

/**
 * The waiting room: pushed over Server-Sent Events; when the stream cannot be had
 * (a proxy, a JWT-only route, repeated drops) it polls `check` at `refreshAfterSeconds`.
 * Network errors never give the place up: only the server's 401 does.
 */
export function waitingView(app: App, place: Place): void {
  const timeOf = (iso: string) => new Date(iso).toLocaleTimeString(app.lang === 'ko' ? 'ko-KR' : 'en-GB');
  const position = h('p', { class: 'big', id: 'position', 'aria-live': 'polite' }, '…');
  const ahead = h('p', { id: 'ahead' });
  const eta = h('p', { id: 'eta' });
  const bar = h('progress', {
    id: 'progress',
    max: 100,
    value: 0,
    'aria-label': app.t('progress'),
  }) as HTMLProgressElement;
  const note = h('p', { class: 'muted', id: 'keep-open' });
  const connection = h('p', { class: 'muted', id: 'connection', role: 'status' });
  const title = h('h1', {}, app.t(place.lastStatus === 'PRE_QUEUE' ? 'preQueueTitle' : 'waitingTitle'));
  // The draw's box: filled once the opening was drawn (before it, the commitment is shown).
  const verify = h('div', { id: 'verify' });
  const showVerify = () => mount(verify, verifyBox(app, place.concertId, place.userId));
  showVerify();
  mount(
    app.main,
    h(
      'section',
      { class: 'card waiting' },
      title,
      h('p', { class: 'muted' }, place.what),
      h('p', {}, app.t('yourPlace')),
      position,
      ahead,
      bar,
      eta,
      connection,
      note,
    ),
    verify,
  );

  let stopped = false;
  let source: EventSource | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let streamErrors = 0;
  let lastHeard = Date.now();
  const dropStream = () => {
    source?.close();
    source = null;
  };
  // A phone that loses its network often keeps a dead stream open: the browser's offline event,
  // or silence past two heartbeats (15 s each), switches to polling, which retries until it is back.
  const offline = () => {
    dropStream();
    clearTimeout(pollTimer);
    void poll();
  };
  const online = () => {
    clearTimeout(pollTimer);
    if (!source) stream();
  };
  window.addEventListener('offline', offline);
  window.addEventListener('online', online);
  const watchdog = setInterval(() => {
    if (source && Date.now() - lastHeard > 35_000) offline();
  }, 5000);
  app.onLeave(() => {
    stopped = true;
    dropStream();
    clearTimeout(pollTimer);
    clearInterval(watchdog);
    window.removeEventListener('offline', offline);
    window.removeEventListener('online', online);
  });

  // In the pre-queue the status does not change until the draw: the countdown runs here.
  let opensAt: number | null = null;
  const countdown = () => {
    if (opensAt !== null)
      ahead.textContent = app.t('preQueueDraw', { t: clock((opensAt - Date.now()) / 1000) });
  };
  const ticking = setInterval(countdown, 1000);
  app.onLeave(() => clearInterval(ticking));

  const apply = (s: QueueStatus) => {
    if (stopped) return;
    place.lastStatus = s.status;
    place.expiresAt = s.expiresAt;
    if (s.token) place.token = s.token;
    if (s.status === 'ACTIVE') {
      store.savePlace(place);
      return app.go('seats');
    }
    if (s.status === 'PRE_QUEUE' || s.position === undefined) {
      store.savePlace(place);
      title.textContent = app.t('preQueueTitle');
      position.textContent = app.t('preQueueBig');
      opensAt = s.opensAt ? Date.parse(s.opensAt) : Date.now();
      countdown();
      eta.textContent = '';
      bar.hidden = true;
      note.textContent = app.t('keepOpen', { time: timeOf(s.expiresAt) });
      return;
    }
    opensAt = null;
    bar.hidden = false;
    if (title.textContent !== app.t('waitingTitle')) {
      // Just drawn: the place is known now, and so is the draw's data.
      title.textContent = app.t('waitingTitle');
      showVerify();
    }
    place.startPosition = Math.max(place.startPosition, s.position);
    store.savePlace(place);
    position.textContent = s.position.toLocaleString(app.lang === 'ko' ? 'ko-KR' : 'en-US');
    ahead.textContent = s.position > 1 ? app.t('ahead', { n: s.position - 1 }) : app.t('aheadNone');
    eta.textContent =
      s.estimatedWaitSeconds === null
        ? app.t('etaUnknown')
        : app.t('eta', { t: clock(s.estimatedWaitSeconds) });
    const span = Math.max(1, place.startPosition - 1);
    bar.value = Math.round(((place.startPosition - s.position) / span) * 100);
    bar.textContent = `${bar.value}%`;
    note.textContent = app.t('keepOpen', { time: timeOf(s.expiresAt) });
  };

  const lost = (error: ApiError) => {
    if (stopped) return;
    const reason =
      error.code === 'QUEUE_TOKEN_INVALID'
        ? 'lostInvalid'
        : place.lastStatus === 'ACTIVE'
          ? 'lostTurn'
          : 'lostAway';
    app.go('lost', reason);
  };

  /** One check; on the gate's verdict (401) the place is gone, anything else is retried. */
  const poll = async () => {
    if (stopped) return;
    let next = 5;
    try {
      const s = await checkIn(place.token);
      apply(s);
      next = s.refreshAfterSeconds;
      if (!source) connection.textContent = app.t('polling', { n: next });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return lost(e);
      connection.textContent = app.t('reconnecting', { time: timeOf(place.expiresAt) });
      next = e instanceof ApiError && e.retryAfter ? e.retryAfter : 3;
    }
    if (!stopped && !source) pollTimer = setTimeout(poll, Math.min(next, 30) * 1000);
  };

  const stream = () => {
    if (typeof EventSource === 'undefined') return void poll();
    source = queueStream(place.token);
    lastHeard = Date.now();
    for (const name of ['position', 'heartbeat'])
      source.addEventListener(name, () => {
        lastHeard = Date.now();
      });
    source.addEventListener('open', () => {
      lastHeard = Date.now();
      streamErrors = 0;
      connection.textContent = app.t('live');
    });
    source.addEventListener('position', (e) => apply(JSON.parse((e as MessageEvent).data) as QueueStatus));
    // The stream's event has no token; the check that follows hands out the admitted one.
    source.addEventListener('active', () => {
      source?.close();
      source = null;
      void poll();
    });
    source.addEventListener('expired', () => {
      source?.close();
      source = null;
      void poll();
    });
    source.addEventListener('error', () => {
      streamErrors += 1;
      connection.textContent = app.t('reconnecting', { time: timeOf(place.expiresAt) });
      // Closed for good (a 401 or a non-stream answer), or dropping again and again: poll instead.
      if (source?.readyState === EventSource.CLOSED || streamErrors >= 3) {
        source?.close();
        source = null;
        void poll();
      }
    });
  };

  // A check first: it tells at once whether the place survived (a reload, a night away).
  void (async () => {
    try {
      const s = await checkIn(place.token);
      apply(s);
      if (!stopped) stream();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return lost(e);
      void poll();
    }
  })();
}

export function lostView(app: App, reason: string): void {
  const place = store.place();
  store.savePlace(null);
  mount(
    app.main,
    h(
      'section',
      { class: 'card', role: 'alert' },
      h('h1', {}, app.t('lostTitle')),
      h('p', { id: 'lost-reason' }, app.t(reason)),
      place ? h('p', { class: 'muted' }, place.what) : null,
      h('button', { type: 'button', class: 'primary', onclick: () => app.go('home') }, app.t('joinAgain')),
    ),
  );
}
