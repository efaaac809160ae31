/**
 * Structured JSON logs, one object per line (CloudWatch reads them as JSON; serverless.yml sets
 * Lambda's JSON log format). Two guards keep secrets out: fields whose name looks sensitive are
 * dropped, and the configured secret values are masked wherever they appear in the line (an
 * upstream error that echoed a token, say). `child(fields)` adds fields to every line: the action
 * handler gives each invocation a child with the Lambda request id, the X-Ray trace id and the
 * cold-start flag, so every line of an invocation can be found from any one of them.
 *
 * Why not Powertools Logger: it does the same with a custom formatter, but loading it costs 7–11 ms
 * of cold start (measured: `require` of its 23.9 KB bundle, Node 24, this machine), a third of the
 * 25 ms our code may add; this file is 2 KB and keeps the masking tested in tests/unit/basics/log.test.ts.
 */
export type LogFields = Record<string, unknown>;

/** The levels LOG_LEVEL may name (lib/runtime/settings.ts reads it); `silent` writes nothing. */
export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (same level, masks and output). */
  child(fields: LogFields): Logger;
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
  const make = (bound: LogFields): Logger => {
    const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
      if (rank[lvl] < threshold) return;
      let line = JSON.stringify(
        { level: lvl, time: new Date().toISOString(), message, ...bound, ...fields },
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
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(base);
}

/** The X-Ray trace id of the current invocation (Lambda sets `_X_AMZN_TRACE_ID` per invocation). */
export function traceId(env: Record<string, string | undefined> = process.env): string | undefined {
  const header = env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  const root = /(?:^|;)Root=([^;]+)/.exec(header);
  return root ? root[1] : undefined;
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
