/**
 * Store defaults the CLI shows in `--help`, apart from the store engine so that printing them loads
 * neither dynalite nor the AWS SDK.
 */

/** The directory used when none is given, relative to the working directory. */
export const DEFAULT_STORE_DIR = '.certwatch';
