/** Korean and English. The choice: a remembered switch, else the browser's Accept-Language order. */
export type Lang = 'ko' | 'en';
const KEY = 'sd.lang';

export function initialLang(): Lang {
  const saved = localStorage.getItem(KEY);
  if (saved === 'ko' || saved === 'en') return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    if (/^ko\b/i.test(tag)) return 'ko';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

export function rememberLang(lang: Lang): void {
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

export type Dict = Record<string, string>;

/** `{name}` placeholders filled from vars. */
export function fill(text: string, vars: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

export function won(amount: number, lang: Lang): string {
  return lang === 'ko' ? `${amount.toLocaleString('ko-KR')}원` : `₩${amount.toLocaleString('en-US')}`;
}

export function dateTime(iso: string, lang: Lang): string {
  return new Date(iso).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

/** 3725 → "1:02:05", 65 → "1:05". */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
