/** The proxy that stands for AppWrite's Traefik: Caddy, its one file of configuration, the console gate. */
import type { VariableRequest } from 'qovery-typescript-axios';
import { CONSOLE_GATE_HEADER, CONSOLE_GATE_REFUSAL } from '../../platform/appwrite/console-api';

/** The proxy that stands for AppWrite's Traefik: a maintained image with a file configuration. */
export const PROXY_IMAGE = { name: 'caddy', tag: '2.10-alpine' } as const;
/** Where the proxy's configuration (a Qovery file variable) is mounted. */
export const CADDYFILE_PATH = '/etc/appwrite-cloud/Caddyfile';

/**
 * The console gate (lib/platform/appwrite/console-api): until the owner's console account exists, the proxy
 * refuses every `/v1/account` route (e-mail sign-up, sessions, magic URL, e-mail OTP, phone, OAuth,
 * anonymous: every way to make a console account or session) unless the request carries the
 * instance's token in `header`. The token is the ENVIRONMENT-scoped secret `variable`, set at the
 * first deployment; once the seat is taken it becomes `open` and the routes pass (the owner's own
 * AppWrite projects need them). A missing variable (an instance made before the gate) lets every
 * request without the header through, as before.
 */
export const CONSOLE_GATE = {
  variable: 'APPWRITE_CLOUD_CONSOLE_GATE',
  header: CONSOLE_GATE_HEADER,
  open: 'open',
  /** Caddy path patterns (case-insensitive, matched on the cleaned, unescaped path). */
  paths: ['/v1/account', '/v1/account/*'],
  refusal: {
    message: "This instance's console is being set up for its owner. Try again in a minute.",
    code: 403,
    type: CONSOLE_GATE_REFUSAL,
  },
} as const;

/**
 * Caddy's configuration: one site on :80 behind Qovery's TLS-terminating gateway, routed as
 * AppWrite's Traefik labels route (longest prefix first). Hosts come from environment variables
 * (`{$VAR}` is read by Caddy at start, `{env.VAR}` at each request), so the file is the same for
 * every instance. `trusted_proxies private_ranges` keeps the gateway's X-Forwarded-For/-Proto
 * (AppWrite reads the client IP and the scheme from them); Caddy's admin API and automatic HTTPS
 * are off. The console gate (`CONSOLE_GATE`) is a CEL expression: `respond` runs before
 * `reverse_proxy` in Caddy's directive order, and the token never reaches AppWrite (`header_up`).
 */
export const CADDYFILE = `{
	admin off
	auto_https off
	servers {
		trusted_proxies static private_ranges
	}
}

:80 {
	handle /v1/realtime* {
		reverse_proxy {$APPWRITE_REALTIME_HOST}:80
	}
	handle /console* {
		reverse_proxy {$APPWRITE_CONSOLE_HOST}:80
	}
	handle {
		@console_gate {
			path ${CONSOLE_GATE.paths.join(' ')}
			expression \`{env.${CONSOLE_GATE.variable}} != "${CONSOLE_GATE.open}" && {header.${CONSOLE_GATE.header}} != {env.${CONSOLE_GATE.variable}}\`
		}
		header @console_gate Content-Type application/json
		respond @console_gate \`${JSON.stringify(CONSOLE_GATE.refusal)}\` ${CONSOLE_GATE.refusal.code}
		reverse_proxy {$APPWRITE_API_HOST}:80 {
			header_up -${CONSOLE_GATE.header}
		}
	}
}
`;

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
