import { ApiError } from '../shared/api.js';
import { problemSentence } from '../shared/errors.js';
import { fill, type Lang } from '../shared/i18n.js';
import { TEXTS } from './texts.js';

export type View = 'home' | 'waiting' | 'lost' | 'seats' | 'done' | 'tickets';

/** What every view gets: the language, words, error sentences and navigation. */
export interface App {
  lang: Lang;
  t(key: string, vars?: Record<string, string | number>): string;
  errorText(error: unknown): string;
  go(view: View, note?: string): void;
  /** A user id proven by a JWT (AUTH_MODE=jwt), else null: the fan types one in. */
  jwtUser: number | null;
  main: HTMLElement;
  /** Called when the view is left: stop timers and streams. */
  onLeave(stop: () => void): void;
}

export function words(lang: Lang) {
  return (key: string, vars?: Record<string, string | number>) =>
    fill(TEXTS[key]?.[lang === 'ko' ? 1 : 0] ?? key, vars);
}

export function errorSentence(error: unknown, lang: Lang): string {
  if (error instanceof ApiError) return problemSentence(error.code, error.status, lang);
  return problemSentence('INTERNAL_ERROR', 500, lang);
}
