/**
 * The settings that travel together, read through any one reader: the watch thresholds and the
 * probe options. The CLI, the handler and the stack build them the same way.
 */
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../core/probe-options';
import type { WatchConfig } from '../core/watch-config';
import { readDeployed } from './deployed';
import type { SettingReader } from './read';
import { SETTINGS } from './table';

/** The change-detection thresholds: the settings the table deploys as `watch`. */
export function readWatchConfig(read: SettingReader): WatchConfig {
  // Refuses the replaced setting when it is given (its parser names the successors).
  read(SETTINGS.retireAfterCycles);
  const watch: WatchConfig = readDeployed('watch', read);
  return watch;
}

/** The probe options (a `--ca` file is read by the CLI, which adds its anchors). */
export function readProbeOptions(read: SettingReader): ProbeOptions {
  const options: ProbeOptions = {
    ...DEFAULT_PROBE_OPTIONS,
    keyTypes: read(SETTINGS.keyTypes),
    timeoutMs: read(SETTINGS.probeTimeoutMs),
    concurrency: read(SETTINGS.concurrency),
    resolve: read(SETTINGS.resolve),
    trust: read(SETTINGS.trust),
    addressFamilies: read(SETTINGS.addressFamilies),
    port25Blocked: read(SETTINGS.port25Blocked),
  };
  const servername = read(SETTINGS.servername);
  if (servername !== undefined) options.servername = servername;
  const ehloName = read(SETTINGS.ehloName);
  if (ehloName !== undefined) options.ehloName = ehloName;
  const dnsServers = read(SETTINGS.dns);
  if (dnsServers !== undefined && dnsServers.length > 0) options.dnsServers = dnsServers;
  const extraAnchorsDer = read(SETTINGS.extraCaPem);
  if (extraAnchorsDer !== undefined) options.extraAnchorsDer = extraAnchorsDer;
  return options;
}
