/**
 * A bare stack for testing one part of the watcher on its own (no bundling: the bundle has its own
 * end-to-end test), and the watcher's settings as its parts receive them.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type CertificateWatcherProps, type WatcherSettings, watcherSettings } from '../../lib/watcher-settings';

export const ACCOUNT = '123456789012';

/** A stack to put one part in. */
export function bareStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Parts', { env: { account: ACCOUNT, region: 'eu-west-1' } });
}

/** The template of a stack (after its parts were added). */
export const templateOf = (stack: Stack) => Template.fromStack(stack);

/** Validated watcher settings over the defaults. */
export const settingsWith = (props: CertificateWatcherProps = {}): WatcherSettings => watcherSettings(props);
