import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type OperatorCheck, operatorGate } from '../../http/admin-auth.js';
import { adminRoomsRoutes } from '../rooms/admin-rooms.routes.js';
import { createSaleControlsService } from '../rooms/sale-controls.service.js';
import { adminCatalogRoutes } from './admin-catalog.routes.js';
import type { AdminDeps } from './admin-change.js';
import { adminSalesRoutes } from './admin-sales.routes.js';
import { createCatalogService } from './catalog.service.js';
import { createSchedulesService } from './schedules.service.js';

/**
 * The operator API under /admin. buildApp registers it only when some operator check is
 * configured (ADMIN_TOKEN today): otherwise every /admin route is an unknown route, 404.
 * This plugin is encapsulated, so its gate guards its routes only.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<
  AdminDeps & { checks: readonly OperatorCheck[] }
> = async (app, { checks, ...deps }) => {
  app.addHook('onRequest', operatorGate(checks));
  await app.register(adminCatalogRoutes, { catalog: createCatalogService(deps) });
  await app.register(adminSalesRoutes, { schedules: createSchedulesService(deps) });
  await app.register(adminRoomsRoutes, { sales: createSaleControlsService(deps) });
};
