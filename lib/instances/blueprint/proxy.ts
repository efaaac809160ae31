/** The proxy that stands for AppWrite's Traefik: Caddy, its one file of configuration, the console gate. */
import type { VariableRequest } from 'qovery-typescript-axios';
import { CONSOLE_GATE_HEADER, CONSOLE_GATE_REFUSAL } from '../../platform/appwrite/console-api';

/** The proxy that stands for AppWrite's Traefik: a maintained image with a file configuration. */
export const PROXY_IMAGE = { name: 'caddy', tag: '2.10-alpine' } as const;
/** Where the proxy's configuration (a Qovery file variable) is mounted. */
export const CADDYFILE_PATH = '/etc/appwrite-cloud/Caddyfile';

/**
 * The console gate (lib/platform/appwrite/console-api): until the owner's console account exists,
 * the proxy answers every request itself (403, `refusal`) unless it carries the instance's token in
 * `header`, save the two kinds in `shut` that make nothing: AppWrite's health checks (GET or HEAD
 * only) and the console SPA's static files (its container serves files and calls nothing; the SPA's
 * own API calls go to `/v1/...` and are refused like any other). A list of what to refuse would
 * miss doors: AppWrite answers every REST route through GraphQL too (`POST /v1/graphql`,
 * `/v1/graphql/mutation`, `GET /v1/graphql?query=`), and realtime has its own; so the gate lists
 * what may pass, and everything else, realtime included, waits for the seat.
 *
 * The token is the ENVIRONMENT-scoped secret `variable`, set at the first deployment; once the seat
 * is taken it becomes `open` and everything passes (the owner's own AppWrite projects need it all).
 * A missing variable (an instance made before the gate) lets every request without the header
 * through, as before. Qovery's probes of the proxy are TCP (lib/instances/blueprint/containers),
 * and AppWrite's own probe reaches its container directly, so neither meets the gate.
 */
export const CONSOLE_GATE = {
  variable: 'APPWRITE_CLOUD_CONSOLE_GATE',
  header: CONSOLE_GATE_HEADER,
  open: 'open',
  /**
   * What passes while the gate is shut (Caddy path patterns: case-insensitive, matched on the
   * cleaned, unescaped path, so `..`, `//` and `%2F` cannot walk out of them).
   */
  shut: {
    health: { methods: ['GET', 'HEAD'], paths: ['/v1/health', '/v1/health/*'] },
    console: { paths: ['/console', '/console/*'] },
  },
  refusal: {
    message: "This instance's console is being set up for its owner. Try again in a minute.",
    code: 403,
    type: CONSOLE_GATE_REFUSAL,
  },
} as const;

/** Where Caddy listens and finds its upstreams; tests render the file for a local Caddy. */
export interface CaddyfileOptions {
  /** The port Caddy listens on. Default 80 (Qovery's gateway sends plain HTTP to the public port). */
  port?: number;
  /** The one interface to listen on (`bind`); default all. */
  bind?: string;
  /** The upstreams' port. Default 80 (every AppWrite service listens there). */
  upstreamPort?: number;
  /**
   * Whether to trust the gateway's forwarding headers (`trusted_proxies`, default true). Caddy 2.6.2,
   * Debian's, predates the option (it rejects the whole file): tests/real renders without it there.
   */
  trustedProxies?: boolean;
}

/**
 * Caddy's configuration: one site on :80 behind Qovery's TLS-terminating gateway, routed as
 * AppWrite's Traefik labels route (longest prefix first). Hosts come from environment variables
 * (`{$VAR}` is read by Caddy at start, `{env.VAR}` at each request), so the file is the same for
 * every instance. `trusted_proxies private_ranges` keeps the gateway's X-Forwarded-For/-Proto
 * (AppWrite reads the client IP and the scheme from them); Caddy's admin API and automatic HTTPS
 * are off. Everything sits in one `route`, which Caddy runs in the order written: the console gate
 * (`CONSOLE_GATE`, a CEL expression) answers before any upstream is chosen, and the token never
 * reaches AppWrite (`header_up`).
 */
export function renderCaddyfile({
  port = 80,
  bind,
  upstreamPort = 80,
  trustedProxies = true,
}: CaddyfileOptions = {}): string {
  const { shut, header, variable, open, refusal } = CONSOLE_GATE;
  const upstream = (host: string) => `reverse_proxy {$${host}}:${upstreamPort} {
				header_up -${header}
			}`;
  const servers = trustedProxies ? '\n\tservers {\n\t\ttrusted_proxies static private_ranges\n\t}' : '';
  return `{
	admin off
	auto_https off${servers}
}

:${port} {${bind ? `\n\tbind ${bind}` : ''}
	@console_gate {
		not {
			method ${shut.health.methods.join(' ')}
			path ${shut.health.paths.join(' ')}
		}
		not path ${shut.console.paths.join(' ')}
		expression \`{env.${variable}} != "${open}" && {header.${header}} != {env.${variable}}\`
	}
	route {
		header @console_gate Content-Type application/json
		respond @console_gate \`${JSON.stringify(refusal)}\` ${refusal.code}
		handle /v1/realtime* {
			${upstream('APPWRITE_REALTIME_HOST')}
		}
		handle /console* {
			${upstream('APPWRITE_CONSOLE_HOST')}
		}
		handle {
			${upstream('APPWRITE_API_HOST')}
		}
	}
}
`;
}

/** The proxy's configuration as every instance runs it. */
export const CADDYFILE = renderCaddyfile();

/** The file variable holding the proxy's configuration (POST /variable, CONTAINER scope). */
export function caddyfileVariable(proxyId: string): VariableRequest {
  return {
    key: 'APPWRITE_CLOUD_CADDYFILE',
    value: CADDYFILE,
    mount_path: CADDYFILE_PATH,
    is_secret: false,
    variable_scope: 'CONTAINER',
    variable_parent_id: proxyId,
    description: 'Caddy configuration: routes of the one public host (managed by AppWrite Cloud)',
  };
}
