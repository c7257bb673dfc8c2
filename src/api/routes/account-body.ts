import { z } from 'zod';
import type { Account } from '../auth/plugin.ts';

export const AccountBody = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(['user', 'moderator', 'admin']),
  emailVerified: z.boolean(),
  createdAt: z.string(),
});
export type AccountBody = z.infer<typeof AccountBody>;

export function toAccountBody(account: Account): AccountBody {
  return {
    id: account.account_id,
    email: account.email,
    role: account.role,
    emailVerified: account.email_verified,
    createdAt: new Date(account.created_at).toISOString(),
  };
}

export const ACCOUNT_COLUMNS = ['account_id', 'email', 'role', 'email_verified', 'created_at'] as const;
