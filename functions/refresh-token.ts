import * as v from 'valibot';
import type { Accounts } from '../lib/accounts';
import { actionHandler, defineAction } from '../lib/action/handler';
import { RefreshTokenField } from '../lib/basics/schemas';
import { sessionsRuntime } from '../lib/runtime';

export const RefreshTokenInput = v.object({ refreshToken: RefreshTokenField });

export const RefreshToken = defineAction({
  name: 'RefreshToken',
  access: 'public',
  input: RefreshTokenInput,
  run: ({ input, deadline, log }, { accounts }: { accounts: Pick<Accounts, 'refresh'> }) =>
    accounts.refresh(input.refreshToken, { deadline, log }),
});

export const handler = actionHandler(RefreshToken, sessionsRuntime);
