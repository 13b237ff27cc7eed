/**
 * Dummy AWS credentials for a DynamoDB-compatible endpoint on loopback (`--table NAME --endpoint URL`):
 * the SDK's credential chain wants some, and a test must leave the environment as it found it.
 */
const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** Sets both variables to `local`; the returned function puts back what was there (or nothing). */
export function useLocalAwsCredentials(): () => void {
  const saved = NAMES.map((name) => [name, process.env[name]] as const);
  for (const name of NAMES) process.env[name] = 'local';
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
