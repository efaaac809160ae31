/**
 * Writes lib/instances/blueprint/inventory.json from AppWrite's own self-hosting compose file for one tag.
 *
 *   git -C <appwrite clone> show 1.9.6:docker-compose.yml > /tmp/compose.yml
 *   npx tsx scripts/appwrite-inventory.ts /tmp/compose.yml 1.9.6 <commit of the tag>
 *
 * The compose is rendered as AppWrite's installer renders it for `--database=mariadb`
 * (1.9.6:src/Appwrite/Docker/Compose/Generator.php: one database service is kept, `mariadb`;
 * `appwrite-assistant` is kept only when an OpenAI key is given, so it is listed here and left to
 * the exclusions). The `excluded` block of the existing file is the team's decisions and is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Inventory, InventoryService } from '../lib/instances/blueprint/inventory';
import { cliError, parseCli } from './cli';

const USAGE = `Usage: npx tsx scripts/appwrite-inventory.ts <docker-compose.yml> <tag> <commit>

Writes lib/instances/blueprint/inventory.json from AppWrite's own self-hosting compose file for
one release tag (rendered as its installer does for --database=mariadb); the "excluded" block of
the existing file is kept.

Options:
  --help   this help

Example:
  git -C <appwrite clone> show 1.9.6:docker-compose.yml > /tmp/compose.yml
  npx tsx scripts/appwrite-inventory.ts /tmp/compose.yml 1.9.6 <commit of the tag>`;

const { positionals } = parseCli(USAGE, {}, { allowPositionals: true, command: 'appwrite-inventory' });
const [composePath, tag, commit] = positionals;
if (!composePath || !tag || !commit || positionals.length > 3)
  cliError('expects three arguments: <docker-compose.yml> <tag> <commit>');
const target = join(__dirname, '..', 'lib', 'instances', 'blueprint', 'inventory.json');
const previous: Partial<Inventory> = existsSync(target) ? JSON.parse(readFileSync(target, 'utf8')) : {};

interface ComposeService {
  image?: string;
  entrypoint?: string | string[];
  command?: string | string[];
  environment?: string[] | Record<string, string>;
  volumes?: string[];
  labels?: string[];
}
const compose = parse(readFileSync(composePath, 'utf8')) as { services: Record<string, ComposeService> };
/** Database services the MariaDB rendering drops (Generator::SELECTABLE_SERVICE_GROUPS). */
const NOT_SELECTED = new Set(['mongodb', 'postgresql']);
/** What each kind of service cannot start without (app/config/variables.php `required`, and the code). */
const REQUIRED = [
  '_APP_OPENSSL_KEY_V1',
  '_APP_DB_ADAPTER',
  '_APP_DB_HOST',
  '_APP_DB_PORT',
  '_APP_DB_SCHEMA',
  '_APP_DB_USER',
  '_APP_DB_PASS',
  '_APP_REDIS_HOST',
  '_APP_REDIS_PORT',
  '_APP_DOMAIN',
  '_APP_MIGRATION_HOST',
  'MYSQL_ROOT_PASSWORD',
  'MYSQL_DATABASE',
  'MYSQL_USER',
  'MYSQL_PASSWORD',
];

const services: Record<string, InventoryService> = {};
for (const [name, service] of Object.entries(compose.services)) {
  if (NOT_SELECTED.has(name)) continue;
  const image = (service.image ?? '').replace(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the compose file's own placeholder, matched as written.
    '${_APP_IMAGE:-appwrite/appwrite}:${_APP_VERSION:-latest}',
    `appwrite/appwrite:${tag}`,
  );
  const variables: Record<string, string | null> = {};
  const env = service.environment ?? [];
  for (const entry of Array.isArray(env) ? env : Object.entries(env).map(([k, v]) => `${k}=${v}`)) {
    const at = entry.indexOf('=');
    if (at === -1) variables[entry] = null;
    else variables[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const route = (service.labels ?? [])
    .map((label) => /\.rule=PathPrefix\(`([^`]+)`\)/.exec(label)?.[1])
    .find((path): path is string => path !== undefined);
  const list = (value: string | string[] | undefined) =>
    value === undefined ? null : Array.isArray(value) ? value.map(String) : [value];
  services[name] = {
    image,
    entrypoint: list(service.entrypoint),
    command: list(service.command),
    variables,
    required: Object.keys(variables).filter((v) => REQUIRED.includes(v)),
    volumes: (service.volumes ?? []).map((v) => v.split(':')[1] ?? v),
    ...(route ? { route } : {}),
  };
}

const inventory: Inventory = {
  appwrite: tag,
  source: `appwrite/appwrite tag ${tag} (commit ${commit}): docker-compose.yml, rendered for --database=mariadb as src/Appwrite/Docker/Compose/Generator.php does`,
  services,
  excluded:
    previous.appwrite === tag && previous.excluded ? previous.excluded : { services: {}, variables: {} },
};
writeFileSync(target, `${JSON.stringify(inventory, null, 2)}\n`);
console.log(`${Object.keys(services).length} services written to ${target}`);
