import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Sql } from 'postgres';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import { type OperatorCheck, operatorGate } from '../../http/admin-auth.js';
import type { ResponseCounter } from '../../http/response-counter.js';
import { adminSchema } from '../admin/admin-route.js';
import type { AdmissionPolicy } from '../queue/admission-policy.js';
import type { QueueStore } from '../queue/queue-store.js';
import type { QueueTicker } from '../queue/queue-ticker.js';
import { roomControls, saleFigures } from './dashboard.repository.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const liveExample = {
  at: '2026-12-01T03:00:02.000Z',
  queue: {
    room: 'main',
    waiting: 1200,
    active: 1000,
    admittedPerSecond: 50,
    admitPerTick: 50,
    maxActive: 1000,
    tickMs: 1000,
    admission: {
      mode: 'adaptive',
      targetPerTick: 25,
      maxPerTick: 50,
      decision: 'decrease',
      reason: 'hold/pay p99 1240 ms > target 800 ms',
      at: '2026-12-01T03:00:02.000Z',
    },
  },
  responses: { windowSeconds: 60, total: 5400, clientErrors: 120, serverErrors: 0 },
  sales: [
    {
      concertId: 4,
      scheduleId: 11,
      title: 'Spring Night',
      startsAt: '2026-12-24T10:00:00.000Z',
      salesOpenAt: '2026-12-01T03:00:00.000Z',
      salesCloseAt: '2026-12-24T09:00:00.000Z',
      ticketLimit: 2,
      seats: 5000,
      holds: 310,
      sold: 1450,
      revenue: 116000000,
    },
  ],
  rooms: [
    {
      concertId: 4,
      title: 'Spring Night',
      room: 'main-c4',
      preQueue: 0,
      waiting: 830,
      active: 500,
      drawn: true,
      opensAt: '2026-12-01T03:00:00.000Z',
      paused: false,
      admitPerTick: 20,
      maxActive: null,
      ticketLimit: 2,
      effectiveAdmitPerTick: 20,
      effectiveMaxActive: 1000,
      effectiveTicketLimit: 2,
      admissionRatePerSecond: 20,
      admission: {
        mode: 'adaptive',
        targetPerTick: 10,
        maxPerTick: 20,
        decision: 'decrease',
        reason: 'hold/pay p99 1240 ms > target 800 ms',
        at: '2026-12-01T03:00:02.000Z',
      },
    },
  ],
};

const Admission = Type.Union(
  [
    Type.Object({
      mode: Type.Union([Type.Literal('fixed'), Type.Literal('adaptive')]),
      targetPerTick: Type.Integer({ description: 'Users per tick admitted now.' }),
      maxPerTick: Type.Integer({ description: 'The set rate: the upper bound of an adaptive rate.' }),
      decision: Type.Union([Type.Literal('increase'), Type.Literal('decrease'), Type.Literal('hold')]),
      reason: Type.String({ description: 'Why, e.g. "hold/pay p99 1240 ms > target 800 ms".' }),
      at: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ],
  {
    description:
      'This process’s last admission-rate decision for the room (QUEUE_ADMISSION_MODE); null before its ' +
      'first tick of the room.',
  },
);

const NullableInt = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });

const Room = Type.Object(
  {
    concertId: Type.Integer(),
    title: Type.String(),
    room: Type.String({ description: 'The sale’s own waiting room.' }),
    preQueue: Type.Integer({
      description: 'Users in the pre-queue until the opening’s draw (0 once drawn: they are in line).',
    }),
    waiting: Type.Integer(),
    active: Type.Integer(),
    drawn: Type.Boolean({ description: 'Whether the opening’s draw ran.' }),
    opensAt: Nullable(Type.String({ format: 'date-time' })),
    paused: Type.Boolean(),
    admitPerTick: NullableInt('Set by PATCH /admin/sales/{id}; null: QUEUE_ADMIT_PER_TICK.'),
    maxActive: NullableInt('Set by PATCH /admin/sales/{id}; null: QUEUE_MAX_ACTIVE.'),
    ticketLimit: NullableInt('Set by PATCH /admin/sales/{id}; null: TICKET_LIMIT_PER_USER.'),
    effectiveAdmitPerTick: Type.Integer(),
    effectiveMaxActive: Type.Integer(),
    effectiveTicketLimit: Type.Integer(),
    admissionRatePerSecond: Type.Number({ description: 'Configured: 0 while paused.' }),
    admission: Admission,
  },
  { description: 'Per concert on the sales list: its sale room and live controls.' },
);

const Live = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    queue: Type.Object(
      {
        room: Type.String(),
        waiting: Type.Integer(),
        active: Type.Integer(),
        admittedPerSecond: Type.Union([Type.Number(), Type.Null()], {
          description: 'Measured over the recent ticks; null before any admission.',
        }),
        admitPerTick: Type.Integer(),
        maxActive: Type.Integer(),
        tickMs: Type.Integer(),
        admission: Admission,
      },
      { description: 'The waiting room every sale uses today (no per-sale rooms yet).' },
    ),
    responses: Type.Object(
      {
        windowSeconds: Type.Integer(),
        total: Type.Integer(),
        clientErrors: Type.Integer(),
        serverErrors: Type.Integer(),
      },
      { description: 'API responses of this process in the window (operator routes and pages not counted).' },
    ),
    sales: Type.Array(
      Type.Object({
        concertId: Type.Integer(),
        scheduleId: Type.Integer(),
        title: Type.String(),
        startsAt: Type.String({ format: 'date-time' }),
        salesOpenAt: Nullable(Type.String({ format: 'date-time' })),
        salesCloseAt: Nullable(Type.String({ format: 'date-time' })),
        ticketLimit: Type.Union([Type.Integer(), Type.Null()], {
          description: 'Null: TICKET_LIMIT_PER_USER.',
        }),
        seats: Type.Integer(),
        holds: Type.Integer({ description: 'Seats held right now (unexpired).' }),
        sold: Type.Integer(),
        revenue: Type.Integer({ description: 'Won: the prices of the seats sold now (refunds excluded).' }),
      }),
    ),
    rooms: Type.Array(Room),
  },
  { examples: [liveExample] },
);

export interface DashboardDeps {
  checks: readonly OperatorCheck[];
  sql: Sql;
  clock: Clock;
  queueStore: QueueStore;
  ticker: QueueTicker;
  room: string;
  admitPerTick: number;
  maxActive: number;
  defaultTicketLimit: number;
  /** A sale's own waiting room (src/modules/rooms). */
  roomOf(concertId: number): string;
  responses: ResponseCounter;
  admission: AdmissionPolicy;
}

/** GET /admin/live: the figures the operator dashboard polls, behind the operator gate. */
export const dashboardRoutes: FastifyPluginAsyncTypebox<DashboardDeps> = async (app, deps) => {
  app.addHook('onRequest', operatorGate(deps.checks));
  app.get(
    '/admin/live',
    {
      schema: adminSchema(
        'Live figures of the sales',
        'What the operator dashboard at /admin polls every 2 s: the waiting room (waiting, active, measured ' +
          'admission rate, its settings), this process’s API responses by class over the last minute, and per ' +
          'sale whose show has not started (the next 20) the seats held now, sold and their revenue, counted ' +
          'from the schedule’s seats; per concert of those sales its own room (pre-queue, waiting, active) ' +
          'and live controls (paused, per tick, active cap, ticket limit). Two SQL statements and one ' +
          'queue-store call per room.',
        { status: 200, schema: Live },
        [503],
        { audited: false },
      ),
    },
    async () => {
      const now = deps.clock.now();
      const [counts, sales] = await Promise.all([
        deps.queueStore.counts(deps.room),
        saleFigures(deps.sql, new Date(now), 20),
      ]);
      const concertIds = [...new Set(sales.map((s) => s.concertId))];
      const [controls, roomCounts] = await Promise.all([
        roomControls(deps.sql, concertIds),
        Promise.all(concertIds.map((id) => deps.queueStore.counts(deps.roomOf(id)))),
      ]);
      const countsOf = new Map(concertIds.map((id, i) => [id, roomCounts[i]!]));
      const rooms = controls.map((c) => {
        const perTick = c.admitPerTick ?? deps.admitPerTick;
        return {
          ...c,
          room: deps.roomOf(c.concertId),
          ...(countsOf.get(c.concertId) ?? { waiting: 0, active: 0 }),
          effectiveAdmitPerTick: perTick,
          effectiveMaxActive: c.maxActive ?? deps.maxActive,
          effectiveTicketLimit: c.ticketLimit ?? deps.defaultTicketLimit,
          admissionRatePerSecond: c.paused ? 0 : (perTick * 1000) / deps.ticker.tickMs,
        };
      });
      const rates = deps.ticker.view(deps.room).rates();
      const admission = (room: string) => {
        const decision = deps.admission.decision(room);
        if (!decision) return null;
        const { kind, at, ...rest } = decision;
        return { ...rest, decision: kind, at: new Date(at).toISOString() };
      };
      return {
        at: new Date(now).toISOString(),
        queue: {
          room: deps.room,
          ...counts,
          admittedPerSecond: rates ? Math.round(rates.admitted * 100) / 100 : null,
          admitPerTick: deps.admitPerTick,
          maxActive: deps.maxActive,
          tickMs: deps.ticker.tickMs,
          admission: admission(deps.room),
        },
        responses: deps.responses.snapshot(),
        sales,
        rooms: rooms.map((room) => ({ ...room, admission: admission(room.room) })),
      };
    },
  );
};
