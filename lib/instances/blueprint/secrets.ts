/** Each instance's own passwords and keys: generated here, stored only as Qovery secrets. */
import { randomBytes } from 'node:crypto';

/** Per-instance secrets. Serialising or inspecting the object shows `[redacted]`. */
export interface InstanceSecrets {
  readonly mariadbRootPassword: string;
  readonly mariadbPassword: string;
  readonly redisPassword: string;
  readonly appwriteOpensslKey: string;
  readonly appwriteExecutorSecret: string;
}

const secretBytes: Record<keyof InstanceSecrets, number> = {
  mariadbRootPassword: 24,
  mariadbPassword: 24,
  redisPassword: 24,
  appwriteOpensslKey: 32,
  appwriteExecutorSecret: 32,
};

/** Hides a secret-holding object from JSON.stringify and util.inspect. */
export function redacted<T extends object>(value: T): Readonly<T> {
  Object.defineProperty(value, 'toJSON', { value: () => '[redacted]' });
  Object.defineProperty(value, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[redacted]' });
  return Object.freeze(value);
}

/** Fresh random secrets (base64url: safe in env vars, DSNs and shells). */
export function generateSecrets(random: (size: number) => Buffer = randomBytes): InstanceSecrets {
  const secrets = {} as Record<keyof InstanceSecrets, string>;
  for (const [key, size] of Object.entries(secretBytes) as [keyof InstanceSecrets, number][]) {
    secrets[key] = random(size).toString('base64url');
  }
  return redacted(secrets);
}
