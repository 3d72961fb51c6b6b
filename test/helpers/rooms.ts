import type { TestApp } from './app.js';

/** POST /waiting/issue into a sale's room. */
export function issueFor(t: TestApp, userId: number, concertId?: number, token?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/waiting/issue',
    headers: token ? { 'x-queue-token': token } : {},
    payload: concertId === undefined ? { userId } : { userId, concertId },
  });
}

export function checkToken(t: TestApp, token: string) {
  return t.app.inject({ method: 'GET', url: '/waiting/check', headers: { 'x-queue-token': token } });
}
