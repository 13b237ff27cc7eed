import { UsageError } from '../../lambdas/cli/cli-io';
import { CertwatchError, CoreError } from '../../lambdas/core/errors';
import { PostureError } from '../../lambdas/core/posture/errors';
import { DerError } from '../../lambdas/core/x509/der';
import { WorkLimitError } from '../../lambdas/core/x509/name-constraints';
import { NotifyError } from '../../lambdas/notify/errors';
import { ProbeError } from '../../lambdas/probe/errors';
import { HelloRefusedError } from '../../lambdas/probe/tls-handshake';
import { ConfigError } from '../../lambdas/settings/config-error';
import { StoreError } from '../../lambdas/store/errors';
import { TimelineError } from '../../lambdas/timeline/errors';

describe('one error base per area', () => {
  const cause = new Error('underlying');
  it.each([
    ['CoreError', new CoreError('TARGET_INVALID', 'm', { cause }), 'TARGET_INVALID'],
    ['DerError', new DerError('m', { cause }), 'DER_INVALID'],
    ['WorkLimitError', new WorkLimitError('m', { cause }), 'WORK_LIMIT'],
    ['PostureError', new PostureError('POLICY_INVALID', 'm', { cause }), 'POLICY_INVALID'],
    ['ProbeError', new ProbeError('CONNECT_REFUSED', 'm', { cause }), 'CONNECT_REFUSED'],
    ['HelloRefusedError', new HelloRefusedError('m', 'alert 40', { cause }), 'TLS_HANDSHAKE_FAILED'],
    ['StoreError', new StoreError('TABLE_MISSING', 'm', { cause }), 'TABLE_MISSING'],
    ['NotifyError', new NotifyError('PUBLISH_FAILED', 'm', { cause }), 'PUBLISH_FAILED'],
    ['TimelineError', new TimelineError('WINDOW_INVALID', 'm', { cause }), 'WINDOW_INVALID'],
    ['UsageError', new UsageError('m', { cause }), 'USAGE'],
    [
      'ConfigError',
      new ConfigError({ setting: 'failingAfter', spelling: 'CERTWATCH_FAILING_AFTER', source: 'env' }, 'm', { cause }),
      'CONFIG_INVALID',
    ],
  ])('%s is a CertwatchError with its name, a stable code and the cause kept', (name, error, code) => {
    // Assess
    expect(error).toBeInstanceOf(CertwatchError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name, code, message: 'm', cause });
    expect(String(error)).toBe(`${name}: m`);
  });
});
