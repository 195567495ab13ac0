// Evaluates flags with LaunchDarkly's real Node server SDK against a running segmentd and
// prints the results as JSON, for tests/feed/test_node_sdk.py to compare with the Python SDK.
//
// Input (JSON on stdin): {baseUrl, sdkKey, stream, flags: [key...], contexts: [ctx...],
//   redis?: {host, port, prefix}}
// Output (stdout): {results: [[{key, value, variationIndex, reason}...] per context]}
import { init, basicLogger } from '@launchdarkly/node-server-sdk';
import { RedisBigSegmentStore } from '@launchdarkly/node-server-sdk-redis';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const options = {
  baseUri: input.baseUrl,
  streamUri: input.baseUrl,
  eventsUri: input.baseUrl,
  stream: input.stream,
  sendEvents: false,
  diagnosticOptOut: true,
  logger: basicLogger({ level: 'warn', destination: (line) => process.stderr.write(`${line}\n`) }),
};
if (input.redis) {
  options.bigSegments = {
    store: RedisBigSegmentStore({
      redisOpts: { host: input.redis.host, port: input.redis.port },
      prefix: input.redis.prefix,
    }),
  };
}

const client = init(input.sdkKey, options);
try {
  await client.waitForInitialization({ timeout: 20 });
  const results = [];
  for (const context of input.contexts) {
    const row = [];
    for (const key of input.flags) {
      const detail = await client.variationDetail(key, context, null);
      row.push({ key, value: detail.value, variationIndex: detail.variationIndex ?? null, reason: detail.reason });
    }
    results.push(row);
  }
  process.stdout.write(JSON.stringify({ results }));
} finally {
  client.close();
}
