import { Type } from 'typebox';
import { PositiveId } from '../../http/schemas.js';

export const UserParams = Type.Object({ userId: PositiveId('The user.') });

export const BalanceReply = Type.Object(
  { userId: Type.Integer(), amount: Type.Integer({ description: 'Current balance in won.' }) },
  { examples: [{ userId: 42, amount: 50000 }] },
);
