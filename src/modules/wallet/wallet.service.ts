import type { Clock } from '../../clock.js';
import type { Sql } from '../../db/client.js';
import { requestHash, settleOnce } from '../../db/idempotency/index.js';
import { badRequest, notFound } from '../../errors.js';
import { type ChargePolicy, checkChargeAmount, monthOf } from './charge-policy.js';
import { type ChargeRefusal, chargeOnce, findBalance } from './wallet.repository.js';

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
      // One statement, one round trip: claim, users row → ledger row → the month's upsert, stored answer.
      const once = settleOnce<ChargeReceipt, ChargeRefusal>(
        await chargeOnce(sql, {
          userId,
          key: idempotencyKey,
          hash: requestHash({ amount }),
          amount,
          month,
          limit: policy.monthlyLimit,
          now,
        }),
      );
      if (!once.refused) return once.result;
      if (once.why.code === 'USER_NOT_FOUND')
        throw notFound('USER_NOT_FOUND', `User ${userId} does not exist.`);
      throw badRequest(
        'MONTHLY_CHARGE_LIMIT_EXCEEDED',
        `At most ${policy.monthlyLimit} won may be charged in ${month}; ${policy.monthlyLimit - once.why.used} won remain.`,
      );
    },
  };
}
