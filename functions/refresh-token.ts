import * as v from 'valibot';
import { actionHandler, defineAction } from '../lib/action';
import { sessionsRuntime } from '../lib/runtime';
import { RefreshTokenField } from '../lib/schemas';
import type { Users } from '../lib/users';

export const RefreshTokenInput = v.object({ refreshToken: RefreshTokenField });

export const RefreshToken = defineAction({
  name: 'RefreshToken',
  access: 'public',
  input: RefreshTokenInput,
  run: ({ input, deadline, log }, { users }: { users: Pick<Users, 'refresh'> }) =>
    users.refresh(input.refreshToken, { deadline, log }),
});

export const handler = actionHandler(RefreshToken, sessionsRuntime);
