/**
 * Deadlines of every AWS SDK call certwatch makes (DynamoDB, SNS). This SDK version sets none by
 * default, so a silent endpoint would hang a cycle until Lambda kills it; and a publish that stalls
 * past the outbox lease lets another cycle publish the same notice. `throwOnRequestTimeout` makes the
 * request timeout an error rather than a logged warning. Plain data: the adapters pass it as
 * `requestHandler` options.
 */
export const AWS_REQUEST_TIMEOUTS = Object.freeze({
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
});
