import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AdminSchedule,
  AuditPage,
  AuditQuery,
  ConcertParams,
  ScheduleBody,
  ScheduleParams,
  SchedulePatch,
  scheduleExample,
} from './admin.schemas.js';
import { adminSchema, Deleted } from './admin-route.js';
import type { SchedulesService } from './schedules.service.js';

/** Schedules, sale controls and the audit log; the operator gate is the enclosing plugin's. */
export const adminSalesRoutes: FastifyPluginAsyncTypebox<{ schedules: SchedulesService }> = async (
  app,
  { schedules },
) => {
  app.get(
    '/admin/concerts/:concertId/schedules',
    {
      schema: {
        ...adminSchema(
          'Schedules of a concert',
          'All of them, with their sales windows (null: no bound, as for the demo catalog).',
          {
            status: 200,
            schema: Type.Object(
              { schedules: Type.Array(AdminSchedule) },
              { examples: [{ schedules: [scheduleExample] }] },
            ),
          },
          [400, 404],
          { audited: false },
        ),
        params: ConcertParams,
      },
    },
    async (request) => schedules.listSchedules(request.params.concertId),
  );
  app.post(
    '/admin/concerts/:concertId/schedules',
    {
      schema: {
        ...adminSchema(
          'Add a schedule',
          'Its seats are generated from the concert’s venue: seat 1..N through the sections, each with the ' +
            'section’s price and a label "<section>-<n>". Holds and payments before salesOpenAt: 403 ' +
            'SALE_NOT_OPEN; from salesCloseAt (default startsAt) on: 403 SALE_CLOSED. 400 SALES_WINDOW_INVALID ' +
            'unless salesOpenAt < salesCloseAt ≤ startsAt; 409 CONCERT_HAS_NO_VENUE.',
          { status: 201, schema: AdminSchedule },
          [400, 404, 409],
        ),
        params: ConcertParams,
        body: ScheduleBody,
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await schedules.createSchedule(request.operator!, request.params.concertId, request.body)),
  );
  app.get(
    '/admin/schedules/:scheduleId',
    {
      schema: {
        ...adminSchema(
          'A schedule',
          '404 SCHEDULE_NOT_FOUND.',
          { status: 200, schema: AdminSchedule },
          [400, 404],
          {
            audited: false,
          },
        ),
        params: ScheduleParams,
      },
    },
    async (request) => schedules.getSchedule(request.params.scheduleId),
  );
  app.patch(
    '/admin/schedules/:scheduleId',
    {
      schema: {
        ...adminSchema(
          'Move a schedule or its sales window',
          'Start time and sales window; seats stay as they are, sold ones included. Takes effect for the next ' +
            'hold or payment in every process (the window is checked in their SQL). 400 SALES_WINDOW_INVALID.',
          { status: 200, schema: AdminSchedule },
          [400, 404],
        ),
        params: ScheduleParams,
        body: SchedulePatch,
      },
    },
    async (request) => schedules.updateSchedule(request.operator!, request.params.scheduleId, request.body),
  );
  app.delete(
    '/admin/schedules/:scheduleId',
    {
      schema: {
        ...adminSchema(
          'Delete a schedule',
          'With its seats. 409 SEATS_IN_USE while a seat is held or sold; 409 SEATS_HAVE_HISTORY when past ' +
            'reservations refer to it (kept for the record).',
          { status: 200, schema: Deleted },
          [400, 404, 409],
        ),
        params: ScheduleParams,
      },
    },
    async (request) => {
      await schedules.deleteSchedule(request.operator!, request.params.scheduleId);
      return { deleted: true as const, id: request.params.scheduleId };
    },
  );

  app.get(
    '/admin/audit',
    {
      schema: {
        ...adminSchema(
          'The audit log',
          'Every operator change, newest first: who, when, what, before → after. Keyset paging: pass ' +
            'nextBefore as ?before= for older entries. Filter with ?entity= and ?entityId=.',
          { status: 200, schema: AuditPage },
          [400],
          { audited: false },
        ),
        querystring: AuditQuery,
      },
    },
    async (request) => schedules.audit(request.query),
  );
};
