/**
 * The settings table: every setting's default, range edges, a bad value and an empty value, through
 * every spelling it has (environment variable, CLI flag, CDK context key, construct property), with the
 * error naming the setting as it was spelled.
 */
import { DEFAULT_WATCH_CONFIG } from '../../lambdas/core/watch-config';
import { ConfigError, type SettingSource } from '../../lambdas/settings/config-error';
import { deployedSettings, envText } from '../../lambdas/settings/deployed';
import { readProbeOptions, readWatchConfig } from '../../lambdas/settings/groups';
import {
  contextReader,
  envReader,
  flagAttribute,
  flagReader,
  readProp,
  type SettingReader,
  spellingOf,
} from '../../lambdas/settings/read';
import type { Setting } from '../../lambdas/settings/setting';
import { SETTINGS, type SettingName } from '../../lambdas/settings/table';
import { SETTING_CASES, type SettingCase } from './settings-cases';

const SOURCES: SettingSource[] = ['env', 'flag', 'context', 'prop'];

/** A reader of one source holding `raw` under the setting's spelling there. */
function readerWith(setting: Setting<unknown, unknown>, source: SettingSource, raw: unknown): SettingReader {
  const spelling = spellingOf(setting, source) ?? '';
  switch (source) {
    case 'env':
      return envReader(raw === undefined ? {} : { [spelling]: raw as string });
    case 'flag':
      return flagReader(raw === undefined ? {} : { [flagAttribute(spelling)]: raw });
    case 'context':
      return contextReader((key) => (key === spelling ? raw : undefined));
    case 'prop':
      return (s) => readProp(s, raw, 'CertificateWatcher');
  }
}

const entries = Object.entries(SETTINGS) as [SettingName, Setting<unknown, unknown>][];
const spellings = entries.flatMap(([name, setting]) =>
  SOURCES.filter((source) => source === 'prop' || spellingOf(setting, source) !== undefined).map(
    (source) => [name, source, spellingOf(setting, source) as string] as const,
  ),
);

test('every setting has test cases, and every test case a setting', () => {
  expect(Object.keys(SETTING_CASES).sort()).toEqual(Object.keys(SETTINGS).sort());
});

test('every setting has a doc line, and its spellings follow one pattern each', () => {
  for (const [name, setting] of entries) {
    expect(setting.name).toBe(name);
    expect(setting.doc).toMatch(/^[A-Z].{10,}\.$/);
    if (setting.env) expect(setting.env).toMatch(/^(CERTWATCH_[A-Z0-9_]+|DYNAMODB_ENDPOINT)$/);
    if (setting.flag) expect(setting.flag).toMatch(/^--[a-z][a-z-]+$/);
    if (setting.context) expect(setting.context).toMatch(/^[a-z][A-Za-z0-9]+$/);
  }
});

test('no two settings share a spelling', () => {
  for (const source of ['env', 'flag', 'context'] as const) {
    const names = entries.map(([, s]) => spellingOf(s, source)).filter(Boolean);
    expect(new Set(names).size).toBe(names.length);
  }
});

describe.each(spellings)('%s as %s %s', (name, source, spelling) => {
  const setting = SETTINGS[name] as Setting<unknown, unknown>;
  const { accepted, refused } = SETTING_CASES[name];

  test('missing means the default', () => {
    // Act
    const value = readerWith(setting, source, undefined)(setting);

    // Assess
    expect(value).toEqual(setting.default);
  });

  // A replaced setting accepts nothing (it only refuses, naming its successors).
  (accepted.length > 0 ? test.each(accepted) : test.skip.each<SettingCase['accepted'][number]>([['-', undefined]]))(
    'accepts %j',
    (raw, parsed) => {
      // Act
      const value = readerWith(setting, source, raw)(setting);

      // Assess
      const shown =
        Array.isArray(value) && (name === 'targets' || name === 'metricTargets')
          ? value.map((t) => (t as { url: string }).url)
          : value;
      expect(shown).toEqual(parsed);
    },
  );

  test.each(refused)('refuses %j, naming the spelling', (raw, reason) => {
    // Act
    const read = () => readerWith(setting, source, raw)(setting);

    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(reason);
    expect(read).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', setting: name, spelling, source }));
    expect(read).toThrow(spelling);
  });

  test('refuses an empty value, naming the spelling', () => {
    // Act
    const read = () => readerWith(setting, source, '  ')(setting);

    // Assess
    expect(read).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', spelling }));
    expect(read).toThrow(new RegExp(`${spelling.replace(/[.]/g, '\\.')} is empty`));
  });
});

describe('messages, as issue #14 found them', () => {
  test('CERTWATCH_FAILING_AFTER=0 names the variable, not the setting', () => {
    // Act
    const read = () => readWatchConfig(envReader({ CERTWATCH_FAILING_AFTER: '0' }));

    // Assess
    expect(read).toThrow('CERTWATCH_FAILING_AFTER="0": must be a whole number from 1 to 1000');
  });

  test('an empty CERTWATCH_EXPIRY_DAYS is an error that says how to get the default', () => {
    // Act
    const read = () => readWatchConfig(envReader({ CERTWATCH_EXPIRY_DAYS: '' }));

    // Assess
    expect(read).toThrow('CERTWATCH_EXPIRY_DAYS is empty: leave it out for the default (21,14,7,3,1)');
  });

  test('a flag names itself and the value as typed', () => {
    // Act
    const read = () => readProbeOptions(flagReader({ timeout: '5' }));

    // Assess
    expect(read).toThrow('--timeout "5": must be a whole number from 100 to 300000');
  });

  test('a construct property names its owner and the property', () => {
    // Act
    const read = () => readProp(SETTINGS.probeTimeoutMs, 5, 'CertificateWatcher');

    // Assess
    expect(read).toThrow('CertificateWatcher probeTimeoutMs=5: must be a whole number from 100 to 300000');
  });

  test('a long value is cut short in the message', () => {
    // Act
    const read = () => envReader({ CERTWATCH_TRUST: 'x'.repeat(10_000) })(SETTINGS.trust);

    // Assess
    expect(read).toThrow(/…" \(10000 characters\)/);
    try {
      read();
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(300);
    }
  });
});

describe('groups', () => {
  test('an empty environment gives the documented watch defaults', () => {
    expect(readWatchConfig(envReader({}))).toEqual(DEFAULT_WATCH_CONFIG);
  });

  test('context lists come as cdk.json arrays, JSON array strings or comma-separated strings', () => {
    // Prepare
    const forms = [[30, 7], '[30, 7]', '30, 7'];

    // Act
    const days = forms.map((form) => contextReader(() => form)(SETTINGS.expiryThresholdsDays));

    // Assess
    expect(days).toEqual([
      [30, 7],
      [30, 7],
      [30, 7],
    ]);
  });

  test('the probe options of an empty source are the defaults', () => {
    expect(readProbeOptions(flagReader({ resolve: [] }))).toEqual({
      keyTypes: ['rsa', 'ecdsa'],
      timeoutMs: 10_000,
      concurrency: 32,
      resolve: [],
      trust: 'node',
      addressFamilies: [4, 6],
      port25Blocked: false,
    });
  });
});

describe('deployed settings (the stack ships them to the function)', () => {
  const deployed = entries.filter(([, s]) => s.deploy !== undefined);

  test('a setting from context or a property has a context key and a variable; one the stack sets, a variable', () => {
    for (const [, setting] of deployed) {
      expect(setting.env).toBeDefined();
      if (setting.deploy === 'stack') expect(setting.context).toBeUndefined();
      else expect(setting.context).toBe(setting.name);
    }
  });

  test('the thresholds deployed as watch are the fields of the watch config', () => {
    expect(
      deployedSettings('watch')
        .map((s) => s.name)
        .sort(),
    ).toEqual(Object.keys(DEFAULT_WATCH_CONFIG).sort());
  });

  test.each(deployed.map(([name]) => name))('every accepted value of %s reaches the function unchanged', (name) => {
    // Prepare
    const setting = SETTINGS[name] as Setting<unknown, unknown>;
    const values = [
      setting.default,
      setting.stackDefault,
      ...SETTING_CASES[name].accepted.map(([raw]) => envReader({ [setting.env as string]: raw })(setting)),
    ];

    // Act
    const shipped = values.map((value) => {
      const text = envText(value);
      return text === undefined ? setting.default : envReader({ [setting.env as string]: text })(setting);
    });

    // Assess: no value and an empty list get no variable, which reads as the default.
    const none = (value: unknown) => value === undefined || (Array.isArray(value) && value.length === 0);
    expect(shipped).toEqual(values.map((value) => (none(value) ? setting.default : value)));
  });
});
