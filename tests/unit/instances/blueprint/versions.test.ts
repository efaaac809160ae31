import { generateSecrets } from '../../../../lib/instances/blueprint/secrets';
import { environmentVariables } from '../../../../lib/instances/blueprint/variables';
import {
  APPWRITE_VERSION,
  compareVersions,
  DEPLOYABLE,
  type Release,
  releases,
  upgradePath,
} from '../../../../lib/instances/blueprint/versions';
import { instanceSettings, storageGrant } from '../../../helpers/instance';

describe('upgradePath', () => {
  it("steps through each minor's latest patch, as AppWrite documents (1.6.1 → 1.6.2 → 1.7.4 → 1.8.1 → 1.9.6)", () => {
    expect(upgradePath('1.6.1', '1.9.6')).toEqual(['1.6.2', '1.7.4', '1.8.1', '1.9.6']);
  });

  it('goes straight to the target within a minor, and from the middle of the table', () => {
    expect(upgradePath('1.6.1', '1.6.2')).toEqual(['1.6.2']);
    expect(upgradePath('1.7.4', '1.9.6')).toEqual(['1.8.1', '1.9.6']);
    expect(upgradePath('1.8.1', '1.9.6')).toEqual(['1.9.6']);
  });

  it('takes the target itself, not the latest patch of its minor, as the last step', () => {
    const table: Record<string, Release> = {
      ...releases,
      '1.7.0': { ...(releases['1.7.4'] as Release), appwrite: '1.7.0' },
    };
    expect(upgradePath('1.6.1', '1.7.0', table)).toEqual(['1.6.2', '1.7.0']);
    expect(upgradePath('1.6.1', '1.8.1', table)).toEqual(['1.6.2', '1.7.4', '1.8.1']);
  });

  it('starts from a version older than the table (1.5.11) and skips the patches of its own minor', () => {
    expect(upgradePath('1.5.11', '1.7.4')).toEqual(['1.6.2', '1.7.4']);
    expect(upgradePath('1.6.0', '1.7.4')).toEqual(['1.6.2', '1.7.4']);
  });

  it('has nothing to do for the same version', () => {
    expect(upgradePath('1.9.6', '1.9.6')).toEqual([]);
  });

  it('refuses a downgrade: AppWrite has none', () => {
    expect(() => upgradePath('1.9.6', '1.8.1')).toThrow(RangeError);
    expect(() => upgradePath('1.6.2', '1.6.1')).toThrow(RangeError);
  });

  it('refuses a target it does not know and what is not a version', () => {
    expect(() => upgradePath('1.9.6', '1.9.7')).toThrow(TypeError);
    expect(() => upgradePath('latest', '1.9.6')).toThrow(TypeError);
    expect(() => upgradePath('1.9.6', '1.9')).toThrow(TypeError);
  });

  it('reaches a newer release added to the table (a test can fabricate one)', () => {
    const table: Record<string, Release> = {
      ...releases,
      '1.10.0': { ...(releases['1.9.6'] as Release), appwrite: '1.10.0', variables: { _APP_NEW: 'x' } },
    };
    expect(upgradePath('1.9.6', '1.10.0', table)).toEqual(['1.10.0']);
    expect(upgradePath('1.8.1', '1.10.0', table)).toEqual(['1.9.6', '1.10.0']);
  });
});

describe('compareVersions', () => {
  it('compares numerically, not as text', () => {
    expect(compareVersions('1.10.0', '1.9.6')).toBeGreaterThan(0);
    expect(compareVersions('1.9.6', '1.9.6')).toBe(0);
    expect(compareVersions('1.6.2', '1.6.10')).toBeLessThan(0);
  });
});

describe('releases', () => {
  it('holds the default, every deployable version, and tags named after their release', () => {
    expect(releases[APPWRITE_VERSION]).toBeDefined();
    for (const version of DEPLOYABLE) expect(releases[version]?.appwrite).toBe(version);
    for (const [version, release] of Object.entries(releases)) expect(release.appwrite).toBe(version);
  });

  it('gives an upgraded instance each new variable with the value a new instance of the pinned release gets', () => {
    const blueprint = environmentVariables(instanceSettings, {
      secrets: generateSecrets(),
      storage: storageGrant(),
      ownerEmail: 'owner@example.com',
      ownerAccountExists: false,
      consoleGate: 'gate-token-0123456789',
    });
    const introduced = Object.entries(releases)
      .filter(([version]) => compareVersions(version, APPWRITE_VERSION) <= 0)
      .flatMap(([, release]) => Object.entries(release.variables ?? {}));
    expect(introduced.length).toBeGreaterThan(0);
    for (const [name, value] of introduced) {
      const expected = blueprint[name];
      expect({
        name,
        value: expected && ('hosts' in expected ? { hosts: expected.hosts } : expected.value),
      }).toEqual({
        name,
        value,
      });
      // Never a secret: a step adds plain settings, and secrets stay the instance's own.
      expect(expected && 'secret' in expected ? expected.secret : false).toBe(false);
    }
  });
});
