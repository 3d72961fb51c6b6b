import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

export const UserParams = Type.Object({ userId: PositiveId('The user.') });

export const BalanceReply = Type.Object(
  { userId: Type.Integer(), amount: Type.Integer({ description: 'Current balance in won.' }) },
  { examples: [{ userId: 42, amount: 50000 }] },
);

const chargeAmount = Type.Number({
  description:
    'Won to add: a whole number, CHARGE_MIN..CHARGE_MAX (1,000..1,000,000 by default), and the month’s ' +
    'charges may not pass CHARGE_MONTHLY_LIMIT (3,000,000).',
});

export const ChargeBody = Type.Object({ amount: chargeAmount }, { examples: [{ amount: 50000 }] });

/** The /v1/api form: the user in the body. */
export const ChargeForUserBody = Type.Object(
  { userId: PositiveId('The user to charge; must be the queue token’s user.'), amount: chargeAmount },
  { examples: [{ userId: 42, amount: 50000 }] },
);

export const ChargeReply = Type.Object(
  {
    userId: Type.Integer(),
    amount: Type.Integer({ description: 'The balance after the charge.' }),
    charged: Type.Integer({ description: 'What this charge added.' }),
  },
  { examples: [{ userId: 42, amount: 100000, charged: 50000 }] },
);
