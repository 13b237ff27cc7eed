/** The output forms of `certwatch pins --format` (apart from pins-report.ts so that `--help` names them cheaply). */
export type PinFormat = 'postfix' | 'tlsa' | 'pin' | 'hex';

/** Every form, in the order the full report prints them. */
export const PIN_FORMATS: readonly PinFormat[] = ['postfix', 'tlsa', 'pin', 'hex'];
