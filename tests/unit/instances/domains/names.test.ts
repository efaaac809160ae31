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
