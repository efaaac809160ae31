import fixture from '../../../fixtures/qovery/settings.json';

/** An answer of the Qovery stand-in, its body parsed. */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: read by the assertions that follow
  body: any;
}

/**
 * One call to a Qovery stand-in at `url`, as Qovery's clients make it (`Authorization: Token …`,
 * the fixture's token unless told otherwise; `null`: no header).
 */
export async function qoveryApi(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = fixture.token,
): Promise<ApiAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: `Token ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The body of a container from the fixture's registry, listening on port 80. */
export const containerBody = (name: string, publicPort = true) => ({
  name,
  registry_id: fixture.registryId,
  image_name: `library/${name}`,
  tag: '1',
  healthchecks: {},
  ports: [{ internal_port: 80, publicly_accessible: publicPort, protocol: 'HTTP' }],
});
