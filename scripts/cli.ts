import { basename } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * The command line of every script (scripts/*.ts, bench/run.ts): `--help` (or `-h`) prints the
 * script's usage and exits 0; an unknown option or a missing value prints one line saying what is
 * wrong and how to get the usage, and exits 2, never a stack trace. Node's own parseArgs does the
 * parsing: this only turns its errors into words.
 */

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CliSettings {
  /** Positional arguments allowed (default: none). */
  allowPositionals?: boolean;
  /** The arguments (default: process.argv after the script). */
  args?: string[];
  /** How the script is run, in messages (default: its file name). */
  command?: string;
}

/** The command named in messages, as parseCli was told (or the script's file name). */
let commandName: string | undefined;

/** Exits 2 with a one-line error and the hint to --help: for a value the script itself refuses. */
export function cliError(message: string, command = commandName ?? scriptName()): never {
  process.stderr.write(`${command}: ${message}\nRun with --help for the usage.\n`);
  process.exit(2);
}

function scriptName(): string {
  return basename(process.argv[1] ?? 'script');
}

export function parseCli<O extends Options>(usage: string, options: O, settings: CliSettings = {}) {
  commandName = settings.command;
  const args = settings.args ?? process.argv.slice(2);
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: settings.allowPositionals ?? false,
    });
  } catch (error) {
    // parseArgs' messages are one clear line ("Unknown option '--bogus'"), plus advice on `--`
    // that only applies to positionals: keep the first sentence.
    const message = error instanceof Error ? error.message.split('. ')[0]?.replace(/\.$/, '') : String(error);
    return cliError(message ?? 'invalid arguments');
  }
}
