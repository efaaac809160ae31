import { AppError } from '../../../../lib/basics/errors';
import { isApex, isGeneratedHost, normalizeDomain } from '../../../../lib/instances/domains/names';

const code = (input: string) => {
  try {
    normalizeDomain(input);
    return 'accepted';
  } catch (error) {
    return error instanceof AppError ? error.code : 'other';
  }
};

describe('custom domain names', () => {
  it('keeps host names lower-cased, without a trailing dot, internationalized ones in punycode', () => {
    expect(normalizeDomain(' API.Example.COM. ')).toBe('api.example.com');
    expect(normalizeDomain('café.example.fr')).toBe('xn--caf-dma.example.fr');
    expect(normalizeDomain('xn--caf-dma.example.fr')).toBe('xn--caf-dma.example.fr');
    expect(normalizeDomain('a-1.b.example.xn--p1ai')).toBe('a-1.b.example.xn--p1ai');
  });

  it.each([
    ['localhost', 'one label'],
    ['*.example.com', 'a wildcard'],
    ['https://api.example.com', 'a URL'],
    ['api.example.com:443', 'a port'],
    ['api_x.example.com', 'an underscore'],
    ['-api.example.com', 'a leading hyphen'],
    ['api..example.com', 'an empty label'],
    ['10.0.0.1', 'an IP address'],
    [`${'a'.repeat(64)}.example.com`, 'a label over 63'],
    [`${'abc.'.repeat(64)}com`, 'over 253 characters'],
    ['', 'nothing'],
  ])('refuses %j (%s) as domain-invalid', (input) => {
    expect(code(input)).toBe('domain-invalid');
  });

  it('says why a wildcard is refused', () => {
    expect(() => normalizeDomain('*.example.com')).toThrow(/Wildcard/);
  });

  it('tells a zone apex from a subdomain', () => {
    expect(isApex('example.com')).toBe(true);
    expect(isApex('example.co.uk')).toBe(true);
    expect(isApex('api.example.com')).toBe(false);
    expect(isApex('api.example.co.uk')).toBe(false);
  });

  it("recognizes the instance's generated host and its provider's zone", () => {
    const url = 'https://z1a2b3c4d-z5e6f7a8b-gtw.oom.sh';
    expect(isGeneratedHost('z1a2b3c4d-z5e6f7a8b-gtw.oom.sh', url)).toBe(true);
    expect(isGeneratedHost('other-gtw.oom.sh', url)).toBe(true);
    expect(isGeneratedHost('oom.sh', url)).toBe(true);
    expect(isGeneratedHost('api.example.com', url)).toBe(false);
    expect(isGeneratedHost('api.example.com', null)).toBe(false);
  });
});

describe('what a refused name is told', () => {
  const message = (input: string) => {
    try {
      normalizeDomain(input);
      return 'accepted';
    } catch (error) {
      return (error as AppError).message;
    }
  };
  const example = ' Give a full host name such as api.example.com.';

  it.each([
    [
      '*.example.com',
      'Wildcard domains are not supported: their certificate would need a DNS challenge on your zone.',
    ],
    ['https://api.example.com', 'Give the host name alone, without scheme, port or path.'],
    ['api.example.com:443', 'Give the host name alone, without scheme, port or path.'],
    ['me@example.com', 'Give the host name alone, without scheme, port or path.'],
    ['example.com/x', 'Give the host name alone, without scheme, port or path.'],
    ['example.com?x', 'Give the host name alone, without scheme, port or path.'],
    ['example.com#x', 'Give the host name alone, without scheme, port or path.'],
    ['api example.com', 'Give the host name alone, without scheme, port or path.'],
    ['', 'This is not a valid domain name.'],
    ['localhost', 'A domain has at least two labels.'],
    [`${'abc.'.repeat(64)}com`, 'A domain is at most 253 characters long.'],
    [
      'api_x.example.com',
      'Each label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.',
    ],
    [
      'api-.example.com',
      'Each label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.',
    ],
    [
      `${'a'.repeat(64)}.example.com`,
      'Each label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.',
    ],
    ['10.0.0.1', 'This is not a public domain name.'],
    ['example.c', 'This is not a public domain name.'],
    ['example.c0m', 'This is not a public domain name.'],
    ['example.co1', 'This is not a public domain name.'],
    ['example.1com', 'This is not a public domain name.'],
  ])('%j: %s', (input, why) => {
    expect(message(input)).toBe(`${why}${example}`);
  });

  it('takes the longest names and labels allowed', () => {
    const label = 'a'.repeat(63);
    expect(normalizeDomain(`${label}.example.com`)).toBe(`${label}.example.com`);
    const name = `${'abcd.'.repeat(49)}abcd.com`; // 253 characters
    expect(name).toHaveLength(253);
    expect(normalizeDomain(name)).toBe(name);
    expect(normalizeDomain('a.example.museum')).toBe('a.example.museum');
    expect(normalizeDomain('a.example.xn--p1ai')).toBe('a.example.xn--p1ai');
    // A dot in the middle is kept; only a trailing one goes.
    expect(normalizeDomain('api.example.com.')).toBe('api.example.com');
  });
});

describe('zone apexes under the common second-level suffixes', () => {
  it.each([
    'co.uk',
    'org.uk',
    'me.uk',
    'ac.uk',
    'com.au',
    'net.au',
    'org.au',
    'co.nz',
    'co.jp',
    'ne.jp',
    'or.jp',
    'co.kr',
    'com.br',
    'com.cn',
    'com.mx',
    'com.tr',
    'co.in',
    'co.za',
    'com.sg',
    'com.hk',
    'co.il',
    'com.ar',
  ])('example.%s is an apex, api.example.%s is not', (suffix) => {
    expect(isApex(`example.${suffix}`)).toBe(true);
    expect(isApex(`api.example.${suffix}`)).toBe(false);
  });

  it('takes a three-label name under another suffix for a subdomain', () => {
    expect(isApex('api.example.de')).toBe(false);
    expect(isApex('a.b.c.d')).toBe(false);
  });
});

describe('the generated host and its zone', () => {
  it('compares without case, and never takes a name under a one-label zone', () => {
    expect(isGeneratedHost('x-gtw.oom.sh', 'https://X-GTW.OOM.SH')).toBe(true);
    expect(isGeneratedHost('api.oom.sh', 'https://x-gtw.oom.sh')).toBe(true);
    expect(isGeneratedHost('xoom.sh', 'https://x-gtw.oom.sh')).toBe(false);
    // A host of two labels has a one-label zone ("sh"): only the host itself is taken.
    expect(isGeneratedHost('oom.sh', 'https://oom.sh')).toBe(true);
    expect(isGeneratedHost('api.sh', 'https://oom.sh')).toBe(false);
    expect(isGeneratedHost('sh', 'https://oom.sh')).toBe(false);
  });

  it('takes a URL it cannot read, or none, for no generated host', () => {
    expect(isGeneratedHost('api.example.com', 'not a url')).toBe(false);
    expect(isGeneratedHost('api.example.com', '')).toBe(false);
  });
});
