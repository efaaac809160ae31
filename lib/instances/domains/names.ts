/**
 * What a custom domain may be: a host name an owner can point at their instance with a CNAME.
 * Internationalized names are taken in Unicode or punycode and kept in punycode (Node's WHATWG
 * `domainToASCII`, UTS #46), lower-cased, without a trailing dot.
 */
import { domainToASCII } from 'node:url';
import { AppError } from '../../basics/errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A top-level label: letters, or an internationalized TLD in punycode (never all digits: an IP). */
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Second-level public suffixes common enough that their apex is met (example.co.uk). Not the whole
 * Public Suffix List (https://publicsuffix.org): a name under a suffix missing here is taken for
 * a subdomain, and its owner learns at their DNS provider that the apex takes no CNAME, which the
 * domain's status then says too ("no CNAME record").
 */
const TWO_LABEL_SUFFIXES = new Set([
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
]);

/** The name in its stored form, or `domain-invalid` saying what is wrong with it. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '');
  const invalid = (why: string) =>
    new AppError('domain-invalid', { message: `${why} Give a full host name such as api.example.com.` });
  if (trimmed.includes('*'))
    throw invalid(
      'Wildcard domains are not supported: their certificate would need a DNS challenge on your zone.',
    );
  if (/[/:@?#\s]/.test(trimmed)) throw invalid('Give the host name alone, without scheme, port or path.');
  const ascii = domainToASCII(trimmed);
  if (ascii === '') throw invalid('This is not a valid domain name.');
  const labels = ascii.split('.');
  if (labels.length < 2) throw invalid('A domain has at least two labels.');
  if (ascii.length > 253) throw invalid('A domain is at most 253 characters long.');
  if (!labels.every((label) => LABEL.test(label)))
    throw invalid('Each label is 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.');
  // Two labels at least here: `?? ''` only satisfies the type checker (mutation testing: equivalent
  // whatever its text).
  // Stryker disable next-line StringLiteral
  const top = labels[labels.length - 1] ?? '';
  if (!TOP_LABEL.test(top)) throw invalid('This is not a public domain name.');
  return ascii;
}

/** Whether the name is the apex of its zone (example.com, example.co.uk), where no CNAME may be. */
export function isApex(name: string): boolean {
  const labels = name.split('.');
  if (labels.length === 2) return true;
  // The suffixes have two labels: only a name of three can be the apex under one.
  return TWO_LABEL_SUFFIXES.has(labels.slice(1).join('.'));
}

/**
 * Whether the name is the instance's generated host or lies in the zone that host belongs to
 * (Qovery's, e.g. `oom.sh` for `https://z1a2b3c4d-z5e6f7a8b-gtw.oom.sh`): never a custom domain.
 */
export function isGeneratedHost(name: string, url: string | null): boolean {
  // Equivalent if removed (mutation testing): `new URL` of null or '' throws, answered false below.
  // Stryker disable next-line ConditionalExpression
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  const zone = host.split('.').slice(1).join('.');
  return name === host || (zone.includes('.') ? name === zone || name.endsWith(`.${zone}`) : false);
}
