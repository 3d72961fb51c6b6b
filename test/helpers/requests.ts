import { randomUUID } from 'node:crypto';
import type { TestApp } from './app.js';

export interface ReserveArgs {
  userId: number;
  concertId?: number;
  scheduleId: number;
  seatNumber: number;
  token?: string;
  key?: string;
}

/** POST /reservations as a client would send it (fresh Idempotency-Key unless given). */
export function reserve(t: TestApp, { token, key = randomUUID(), concertId = 1, ...body }: ReserveArgs) {
  const headers: Record<string, string> = { 'idempotency-key': key };
  if (token) headers['x-queue-token'] = token;
  return t.app.inject({ method: 'POST', url: '/reservations', headers, payload: { concertId, ...body } });
}

export function seatMap(t: TestApp, concertId: number, scheduleId: number) {
  return t.app.inject({ method: 'GET', url: `/concerts/${concertId}/schedules/${scheduleId}/seats` });
}

export const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

export function charge(
  t: TestApp,
  userId: number,
  amount: unknown,
  token?: string,
  key: string = randomUUID(),
) {
  const headers: Record<string, string> = { 'idempotency-key': key };
  if (token) headers['x-queue-token'] = token;
  return t.app.inject({ method: 'PATCH', url: `/users/${userId}/charge`, headers, payload: { amount } });
}

export function pay(
  t: TestApp,
  reservationId: string,
  amount: unknown,
  token?: string,
  key: string = randomUUID(),
) {
  const headers: Record<string, string> = { 'idempotency-key': key };
  if (token) headers['x-queue-token'] = token;
  return t.app.inject({ method: 'POST', url: '/payments', headers, payload: { reservationId, amount } });
}

export function balance(t: TestApp, userId: number, token?: string) {
  return t.app.inject({
    method: 'GET',
    url: `/users/${userId}/amount`,
    headers: token ? { 'x-queue-token': token } : {},
  });
}
