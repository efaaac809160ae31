import type { LogLevel } from './config';

/**
 * Structured JSON logs, one object per line. Two guards keep secrets out:
 * fields whose name looks sensitive are dropped, and the configured secret values are masked
 * wherever they appear in the line (an upstream error that echoed a token, say).
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SENSITIVE_KEY = /pass(word)?|secret|token|authorization|cookie|hash|^key$|api[-_]?key/i;
const REDACTED = '[redacted]';

export interface LoggerOptions {
  level: LogLevel;
  /** Secret values to mask in every line. */
  secrets?: readonly string[];
  write?: (line: string) => void;
  base?: LogFields;
}

export function createLogger({
  level,
  secrets = [],
  write = defaultWrite,
  base = {},
}: LoggerOptions): Logger {
  const threshold = rank[level];
  const masks = secrets.filter((s) => s.length >= 4).map((s) => JSON.stringify(s).slice(1, -1));
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (rank[lvl] < threshold) return;
    let line = JSON.stringify(
      { level: lvl, time: new Date().toISOString(), message, ...base, ...fields },
      (key, value) => (key !== '' && SENSITIVE_KEY.test(key) ? REDACTED : serialise(value)),
    );
    for (const mask of masks) line = line.replaceAll(mask, REDACTED);
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

function serialise(value: unknown): unknown {
  // Errors that know how to describe themselves for logs (e.g. QoveryError) do so.
  if (value instanceof Error && typeof (value as { toLog?: unknown }).toLog === 'function')
    return (value as unknown as { toLog(): unknown }).toLog();
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const code = (value as { code?: unknown }).code;
    return {
      name,
      message,
      code,
      stack,
      cause: value.cause === undefined ? undefined : serialise(value.cause),
    };
  }
  return value;
}

function defaultWrite(line: string): void {
  process.stdout.write(`${line}\n`);
}
