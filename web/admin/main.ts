import { ApiError, call, useBearer } from '../shared/api.js';
import { $, h, mount } from '../shared/dom.js';
import { problemSentence } from '../shared/errors.js';
import { fill, initialLang, type Lang, rememberLang } from '../shared/i18n.js';
import { createForms } from './forms.js';
import { liveView } from './live.js';
import { TEXTS } from './texts.js';

export interface Admin {
  lang: Lang;
  t(key: string, vars?: Record<string, string | number>): string;
  errorText(error: unknown): string;
  /** A failed call: a refused key signs out, anything else is shown. */
  failed(error: unknown): void;
}

// The operator's key lives in this tab's sessionStorage only and goes out as a bearer header.
const KEY = 'sd.admin';
useBearer(() => sessionStorage.getItem(KEY));

let lang: Lang = initialLang();
let stop: () => void = () => {};
let notice = '';

function render(): void {
  stop();
  document.documentElement.lang = lang;
  const t = (key: string, vars?: Record<string, string | number>) =>
    fill(TEXTS[key]?.[lang === 'ko' ? 1 : 0] ?? key, vars);
  const errorText = (e: unknown) =>
    e instanceof ApiError ? problemSentence(e.code, e.status, lang) : String(e);
  const a: Admin = {
    lang,
    t,
    errorText,
    failed: (e) => {
      if (e instanceof ApiError && e.status === 401) {
        sessionStorage.removeItem(KEY);
        notice = errorText(e);
        render();
      }
    },
  };
  const signedIn = Boolean(sessionStorage.getItem(KEY));
  mount(
    $('#nav'),
    signedIn
      ? h(
          'button',
          {
            type: 'button',
            onclick: () => {
              sessionStorage.removeItem(KEY);
              render();
            },
          },
          t('signOut'),
        )
      : null,
    h(
      'button',
      {
        type: 'button',
        id: 'lang',
        onclick: () => {
          lang = lang === 'ko' ? 'en' : 'ko';
          rememberLang(lang);
          render();
        },
      },
      t('langSwitch'),
    ),
  );
  const main = $('#main');
  if (!signedIn) {
    const key = h('input', {
      id: 'admin-key',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
      'aria-describedby': 'admin-key-hint',
    }) as HTMLInputElement;
    const error = h('p', { class: 'error', role: 'alert' }, notice);
    mount(
      main,
      h('h1', {}, t('title')),
      h(
        'form',
        {
          class: 'card',
          onsubmit: async (e: Event) => {
            e.preventDefault();
            sessionStorage.setItem(KEY, key.value);
            try {
              await call('/admin/live');
              notice = '';
              render();
            } catch (failure) {
              sessionStorage.removeItem(KEY);
              error.textContent = errorText(failure);
            }
          },
        },
        h('label', { for: 'admin-key' }, t('key')),
        key,
        h('small', { id: 'admin-key-hint' }, t('keyHint')),
        h('button', { type: 'submit', class: 'primary' }, t('signIn')),
        error,
      ),
    );
    stop = () => {};
    return;
  }
  const live = h('section', { id: 'live', 'aria-live': 'off' });
  const forms = h('section', { id: 'create' });
  mount(main, h('h1', {}, t('title')), live, forms);
  stop = liveView(a, live);
  void createForms(a, forms);
}

render();
