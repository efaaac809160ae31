import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCli } from './cli';
import { generateSettingsDocs } from './settings-docs';
import { ROOT } from './stack';

const USAGE = `Usage: npm run docs [-- --check]

Writes docs/configuration.md and .env.example from the settings readers (lib/**/settings.ts):
each setting's kind, default, range and the functions that read it come from the code, its
description from the /** NAME: … */ comment where it is read (scripts/settings-docs.ts).

Options:
  --check   write nothing; exit 1 when a file is out of date or a setting has no description
  --help    this help

Example:
  npm run docs -- --check`;

async function main() {
  const { values } = parseCli(
    USAGE,
    { check: { type: 'boolean', default: false } },
    { command: 'npm run docs' },
  );
  const { files, problems } = await generateSettingsDocs();
  if (problems.length > 0) {
    console.error(`Settings without a proper description:\n- ${problems.join('\n- ')}`);
    process.exitCode = 1;
    return;
  }
  for (const [file, text] of Object.entries(files)) {
    const path = join(ROOT, file);
    if (!values.check) {
      writeFileSync(path, text);
      console.log(`wrote ${file}`);
    } else if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      console.error(`${file} is out of date with the settings readers: run npm run docs`);
      process.exitCode = 1;
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
