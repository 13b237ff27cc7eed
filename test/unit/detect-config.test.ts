import {
  DEFAULT_WATCH_CONFIG,
  resolveWatchConfig,
  WatchConfigError,
  watchConfigFromEnv,
} from '../../lambdas/core/watch-config';

describe('watch configuration', () => {
  it('defaults to 21/14/7/3/1 days, retirement after 3 cycles, failing after 3, overdue at 75 %', () => {
    // Act
    const config = resolveWatchConfig();

    // Assess
    expect(config).toEqual({
      expiryThresholdsDays: [21, 14, 7, 3, 1],
      staleAfterCycles: 3,
      staleAfterHours: 48,
      failingAfter: 3,
      rotationOverdueShare: 0.75,
    });
    expect(config).toEqual(DEFAULT_WATCH_CONFIG);
  });

  it('sorts and de-duplicates thresholds', () => {
    // Act
    const config = resolveWatchConfig({ expiryThresholdsDays: [3, 30, 3, 10] });

    // Assess
    expect(config.expiryThresholdsDays).toEqual([30, 10, 3]);
  });

  it.each([
    [{ expiryThresholdsDays: [] }, 'expiryThresholdsDays', /at least one/],
    [{ expiryThresholdsDays: [7, -1] }, 'expiryThresholdsDays', /-1 must be a number of days/],
    [{ staleAfterCycles: 0 }, 'staleAfterCycles', /whole number from 1/],
    [{ staleAfterHours: -1 }, 'staleAfterHours', /number of hours/],
    [{ retireAfterCycles: 3 } as object, 'staleAfterCycles', /replaced by staleAfterCycles/],
    [{ failingAfter: 2.5 }, 'failingAfter', /whole number/],
    [{ rotationOverdueShare: 75 }, 'rotationOverdueShare', /fraction in \(0, 1\)/],
  ])('rejects %j naming the setting', (input, setting, message) => {
    // Act
    const act = () => resolveWatchConfig(input);

    // Assess
    expect(act).toThrow(WatchConfigError);
    expect(act).toThrow(message);
    try {
      act();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', setting });
    }
  });

  it('reads the environment, with unset variables meaning the defaults', () => {
    // Act
    const config = watchConfigFromEnv({ CERTWATCH_EXPIRY_DAYS: '30, 7', CERTWATCH_STALE_AFTER_CYCLES: '5' });

    // Assess
    expect(config).toEqual({
      expiryThresholdsDays: [30, 7],
      staleAfterCycles: 5,
      staleAfterHours: 48,
      failingAfter: 3,
      rotationOverdueShare: 0.75,
    });
  });

  it('names the environment variable that is not a number', () => {
    // Act
    const act = () => watchConfigFromEnv({ CERTWATCH_EXPIRY_DAYS: '21,soon' });

    // Assess
    expect(act).toThrow(/CERTWATCH_EXPIRY_DAYS="21,soon"/);
  });
});
