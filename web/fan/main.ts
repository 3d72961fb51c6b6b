import { call, useBearer } from '../shared/api.js';
import { $, h, mount } from '../shared/dom.js';
import { initialLang, type Lang, rememberLang } from '../shared/i18n.js';
import { type App, errorSentence, type View, words } from './app.js';
import { homeView } from './home.js';
import { seatsView } from './seats.js';
import { store } from './store.js';
import { ticketsView } from './tickets.js';
import { lostView, waitingView } from './waiting.js';

// AUTH_MODE=jwt: the embedding site opens the page as /#jwt=<token>. It is kept in sessionStorage
// (this tab only) and taken out of the address at once, so it is never bookmarked or shared.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('jwt')) {
  sessionStorage.setItem('sd.jwt', fragment.get('jwt') ?? '');
  history.replaceState(null, '', location.pathname + location.search);
}
useBearer(() => sessionStorage.getItem('sd.jwt'));

let lang: Lang = initialLang();
let leaving: (() => void)[] = [];
let current: { view: View; note?: string } = { view: 'home' };
let jwtUser: number | null = null;

function render(): void {
  for (const stop of leaving) stop();
  leaving = [];
  document.documentElement.lang = lang;
  const t = words(lang);
  document.title = `stagedoor — ${t('tagline')}`;
  const app: App = {
    lang,
    t,
    errorText: (e) => errorSentence(e, lang),
    go: (view, note) => {
      current = { view, note };
      render();
      $('#main').focus();
    },
    jwtUser,
    main: $('#main'),
    onLeave: (stop) => leaving.push(stop),
  };
  mount($('#skip'), t('skip'));
  mount(
    $('#nav'),
    h(
      'button',
      { type: 'button', class: 'link', onclick: () => app.go(store.place() ? 'waiting' : 'home') },
      t('navHome'),
    ),
    h('button', { type: 'button', class: 'link', onclick: () => app.go('tickets') }, t('navTickets')),
    h(
      'button',
      {
        type: 'button',
        id: 'lang',
        lang: lang === 'ko' ? 'en' : 'ko',
        onclick: () => {
          lang = lang === 'ko' ? 'en' : 'ko';
          rememberLang(lang);
          render();
        },
      },
      t('langSwitch'),
    ),
  );
  const place = store.place();
  // A place in line (after a reload too) resumes through a check, which also confirms an admission.
  const view = current.view === 'home' && place ? 'waiting' : current.view;
  if (view === 'waiting' && place) waitingView(app, place);
  else if (view === 'seats' && place) seatsView(app, place);
  else if (view === 'lost') lostView(app, current.note ?? 'lostAway');
  else if (view === 'done' || view === 'tickets') void ticketsView(app, view === 'done');
  else void homeView(app);
}

void (async () => {
  if (sessionStorage.getItem('sd.jwt')) {
    try {
      jwtUser = (await call<{ userId: number }>('/me')).userId;
    } catch {
      jwtUser = null;
    }
  }
  render();
})();
