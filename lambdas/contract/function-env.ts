/**
 * The watch function's environment: the variables the stack sets and the handler reads. Both sides take
 * them from the settings table — the stack writes every deployed setting (lambdas/settings/deployed.ts)
 * with {@link functionSettingsEnvironment}, the handler reads them back through the same parsers — so the
 * two cannot drift. Logic-light: the CDK app imports this.
 */
import { type DeployedName, deployedSettings, envText } from '../settings/deployed';
import { envName } from '../settings/read';
import type { Setting } from '../settings/setting';
import { SETTINGS, type SettingName } from '../settings/table';

/**
 * The environment variable of every setting that has one, by setting name. The stack sets the deployed
 * settings; the others (the target list, the concurrency, a DynamoDB endpoint, extra anchors, pins, the
 * EHLO name) are for tests and special setups.
 */
export const HANDLER_ENV: Readonly<Partial<Record<SettingName, string>>> = Object.freeze(
  Object.fromEntries(
    (Object.values(SETTINGS) as Setting<unknown, unknown>[]).flatMap((s) => (s.env ? [[s.name, s.env]] : [])),
  ),
);

/** The deployment's target list, shipped beside the handler (`data/`), one entry per line. */
export const SHIPPED_TARGETS_FILE = 'watch-targets.txt';

/**
 * What the function's environment carries: a value for every deployed setting (parsed or plain), the
 * thresholds among them in `watch`.
 */
export type FunctionEnvInput = Readonly<Record<DeployedName<'function'> | DeployedName<'stack'>, unknown>> & {
  readonly watch: Readonly<Record<DeployedName<'watch'>, unknown>>;
};

/**
 * The environment variables of every deployed setting: the setting's variable, its value's text. A
 * setting without a value, or with an empty list, gets no variable (an empty one would be an error).
 */
export function functionSettingsEnvironment(input: FunctionEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (setting: Setting<unknown, unknown>, value: unknown) => {
    const text = envText(value);
    if (text !== undefined) env[envName(setting)] = text;
  };
  const values = input as unknown as Readonly<Record<string, unknown>>;
  const watch = input.watch as unknown as Readonly<Record<string, unknown>>;
  for (const setting of deployedSettings('stack')) put(setting, values[setting.name]);
  for (const setting of deployedSettings('function')) put(setting, values[setting.name]);
  for (const setting of deployedSettings('watch')) put(setting, watch[setting.name]);
  return env;
}
