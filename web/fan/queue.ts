import { call } from '../shared/api.js';

/** What `GET /waiting/check` and the stream's events say about a place (the fields the pages use). */
export interface QueueStatus {
  status: 'WAITING' | 'ACTIVE' | 'PRE_QUEUE';
  /** Absent in the pre-queue (places are drawn at the opening). */
  position?: number;
  opensAt?: string;
  expiresAt: string;
  estimatedWaitSeconds: number | null;
  refreshAfterSeconds: number;
  /** Once active: the token that carries the admission (use it from now on). */
  token?: string;
  /** Once active and idle: when the slot goes to the next fan unless the fan acts. */
  idleDeadline?: string;
}

/** One check with the place's token: keeps a waiting place, and counts as activity once admitted. */
export const checkIn = (token: string) =>
  call<QueueStatus>('/waiting/check', { headers: { 'x-queue-token': token } });

/** The place's Server-Sent Events (a browser's EventSource cannot set headers: the token goes in the query). */
export const queueStream = (token: string) =>
  new EventSource(`/waiting/stream?token=${encodeURIComponent(token)}`);
