/** The AWS SDK v3 alone, no library: one GetParameters call. */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PATH } from './path';

export async function read(names: readonly string[]): Promise<Record<string, string | undefined>> {
  const answer = await new SSMClient({}).send(
    new GetParametersCommand({ Names: names.map((n) => `${PATH}${n}`), WithDecryption: true }),
  );
  return Object.fromEntries(
    (answer.Parameters ?? []).map((p) => [p.Name?.slice(PATH.length) ?? '', p.Value]),
  );
}
