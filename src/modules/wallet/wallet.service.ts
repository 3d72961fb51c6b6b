import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { badRequest, notFound } from '../../errors.js';
import { runIdempotent } from '../../http/idempotency.js';
import { type ChargePolicy, checkChargeAmount, monthOf } from './charge-policy.js';
import { addToMonthlyCharges, credit, findBalance, monthlyChargedSoFar } from './wallet.repository.js';

export interface ChargeReceipt {
  userId: number;
  /** The balance after the charge. */
  amount: number;
  charged: number;
}

export type WalletService = ReturnType<typeof createWalletService>;

export function createWalletService({
  sql,
  clock,
  policy,
}: {
  sql: Sql;
  clock: Clock;
  policy: ChargePolicy;
}) {
  return {
    async balance(userId: number) {
      const amount = await findBalance(sql, userId);
      if (amount === undefined) throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
      return { userId, amount };
    },

    async charge(userId: number, amount: number, idempotencyKey: string) {
      checkChargeAmount(amount, policy);
      const now = new Date(clock.now());
      const month = monthOf(now, policy.timeZone);
      return runIdempotent<ChargeReceipt>(
        sql,
        { userId, operation: 'charge', key: idempotencyKey, payload: { amount } },
        now,
        async (tx) => {
          // Users row first, then the month: the same lock order as every other writer.
          const balance = await credit(tx, userId, amount, now);
          if (balance === undefined) throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
          const total = await addToMonthlyCharges(tx, { userId, month, amount, limit: policy.monthlyLimit });
          if (total === undefined) {
            const used = await monthlyChargedSoFar(tx, userId, month);
            throw badRequest(
              'MONTHLY_CHARGE_LIMIT_EXCEEDED',
              `At most ${policy.monthlyLimit} won may be charged in ${month}; ${policy.monthlyLimit - used} won remain.`,
            );
          }
          return { status: 200, body: { userId, amount: balance, charged: amount } };
        },
      );
    },
  };
}
