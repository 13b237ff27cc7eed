/**
 * A setting the stack ships to the function is one entry of the settings table. Two entries added here
 * and nowhere else (a test-only extension of the table: one the function reads, one change-detection
 * threshold) are read from context and from the watcher's properties, validated like every setting,
 * carried in the synthesized function environment and parsed back by the handler's config.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lambdas/settings/config-error';
import { readHandlerConfig } from '../../lambdas/settings/handler-config';
import { integer, oneOf } from '../../lambdas/settings/parsers';
import { defineSetting, type Setting } from '../../lambdas/settings/setting';
import { SETTINGS } from '../../lambdas/settings/table';
import { CertificateWatcher, type CertificateWatcherProps } from '../../lib/certificate-watcher';
import { parseStackConfig } from '../../lib/stack-config';
import { bareStack } from './parts';
import { deployedEnvironment, synth } from './synth';

const EXTRA = {
  exampleMode: defineSetting({
    name: 'exampleMode',
    doc: 'A test-only setting the function reads.',
    parser: oneOf(['quick', 'thorough']),
    default: 'quick',
    env: 'CERTWATCH_EXAMPLE_MODE',
    context: 'exampleMode',
    deploy: 'function',
  }),
  exampleQuietCycles: defineSetting({
    name: 'exampleQuietCycles',
    doc: 'A test-only change-detection threshold.',
    parser: integer(1, 50),
    default: 2,
    env: 'CERTWATCH_EXAMPLE_QUIET_CYCLES',
    context: 'exampleQuietCycles',
    deploy: 'watch',
  }),
};

const table = SETTINGS as unknown as Record<string, Setting<unknown, unknown>>;

beforeAll(() => Object.assign(table, EXTRA));
afterAll(() => {
  for (const name of Object.keys(EXTRA)) delete table[name];
});

/** The handler's view of a synthesized environment: the extra settings where it keeps them. */
function handlerView(env: Record<string, string>) {
  const config = readHandlerConfig(env);
  return {
    mode: (config.deployed as Record<string, unknown>).exampleMode,
    quietCycles: (config.watch as unknown as Record<string, unknown>).exampleQuietCycles,
  };
}

test('context values reach the synthesized environment and the handler reads them', () => {
  // Act
  const env = deployedEnvironment(synth({ exampleMode: 'thorough', exampleQuietCycles: '7' }, { quietPort25: true }));

  // Assess
  expect(env).toMatchObject({ CERTWATCH_EXAMPLE_MODE: 'thorough', CERTWATCH_EXAMPLE_QUIET_CYCLES: '7' });
  expect(handlerView(env)).toEqual({ mode: 'thorough', quietCycles: 7 });
});

test('construct properties reach the environment: the setting by its name, the threshold in watchConfig', () => {
  // Prepare
  const stack = bareStack();
  const props = { exampleMode: 'thorough', watchConfig: { exampleQuietCycles: 9 } } as CertificateWatcherProps;

  // Act
  new CertificateWatcher(stack, 'Watcher', { ...props, targets: ['smtps://smtp.example.com'] });

  // Assess
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  expect(fn.Properties.Environment.Variables).toMatchObject({
    CERTWATCH_EXAMPLE_MODE: 'thorough',
    CERTWATCH_EXAMPLE_QUIET_CYCLES: '9',
  });
});

test('without a value the table default is shipped, and the handler reads it as such', () => {
  // Act
  const config = parseStackConfig(() => undefined) as unknown as Record<string, unknown>;

  // Assess
  expect(config.exampleMode).toBe('quick');
  expect(config.watch).toMatchObject({ exampleQuietCycles: 2 });
  const env = { CERTWATCH_TABLE_NAME: 'certwatch', CERTWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:t' };
  expect(handlerView(env)).toEqual({ mode: 'quick', quietCycles: 2 });
});

test.each<[string, () => unknown, RegExp]>([
  [
    'a context value',
    () => parseStackConfig((key) => (key === 'exampleMode' ? 'slow' : undefined)),
    /^context exampleMode="slow": must be "quick" or "thorough"$/,
  ],
  [
    'a construct property',
    () =>
      new CertificateWatcher(bareStack(), 'Watcher', {
        watchConfig: { exampleQuietCycles: 0 },
      } as CertificateWatcherProps),
    /^CertificateWatcher watchConfig\.exampleQuietCycles=0: must be a whole number from 1 to 50$/,
  ],
  [
    'an environment variable',
    () =>
      readHandlerConfig({
        CERTWATCH_TABLE_NAME: 't-1',
        CERTWATCH_TOPIC_ARN: 'arn:aws:sns:x:1:t',
        CERTWATCH_EXAMPLE_QUIET_CYCLES: '51',
      }),
    /^CERTWATCH_EXAMPLE_QUIET_CYCLES="51": must be a whole number from 1 to 50$/,
  ],
])('a bad value in %s is refused like any setting, naming its spelling', (_where, act, message) => {
  // Assess
  expect(act).toThrow(ConfigError);
  expect(act).toThrow(message);
});
