// Starts unleash-server 8.2.0 as a local benchmark peer.
//
// Everything is configured from the environment so the Python harness
// (bench/peers/unleash.py) can drive it:
//
//   UNLEASH_BENCH_PORT        port to listen on (required), host is always 127.0.0.1
//   UNLEASH_BENCH_DB_HOST     default 127.0.0.1
//   UNLEASH_BENCH_DB_PORT     default 5432
//   UNLEASH_BENCH_DB_NAME     default unleash_bench
//   UNLEASH_BENCH_DB_USER     default postgres
//   UNLEASH_BENCH_DB_PASSWORD default '' (trust auth)
//   UNLEASH_BENCH_ADMIN_TOKEN admin API token secret, default '*:*.segmentd-bench-admin-token'
//   UNLEASH_BENCH_AUTH        'open-source' (default: real token check) or 'none'
//   DATABASE_POOL_MAX         read by Unleash itself (Unleash default: 4)
//   LOG_LEVEL                 read by Unleash itself (we default to 'warn')
//   UNLEASH_BENCH_EXIT_ON_STDIN_EOF=1  exit when stdin closes (the harness keeps a pipe open,
//                             so a killed harness never leaves an orphan server behind)
//   UNLEASH_BENCH_MAX_SECONDS exit after this long whatever happens (default 3600; 0 = never)
//
// Only loopback addresses are used; version check and telemetry are off.

// These must be set before Unleash reads them in createConfig(). Some limits
// are *only* configurable through the environment in 8.2.0
// (segmentValuesLimit, strategySegmentsLimit), and `telemetry: false` in the
// options object is ignored (createConfig does `options.telemetry || env`).
const setDefault = (name, value) => {
    if (process.env[name] === undefined) process.env[name] = value;
};
setDefault('SEND_TELEMETRY', 'false');
setDefault('CHECK_VERSION', 'false');
setDefault('UNLEASH_SEGMENTS_LIMIT', '100000000'); // default 300
setDefault('UNLEASH_SEGMENT_VALUES_LIMIT', '100000000'); // default 1000
setDefault('UNLEASH_STRATEGY_SEGMENTS_LIMIT', '1000'); // default 5
setDefault('UNLEASH_CONSTRAINT_VALUES_LIMIT', '100000000'); // default 250 (flag strategies)
setDefault('TOKEN_AUTHENTICATION_RATE_LIMIT_PER_MINUTE', '100000000'); // default 20000
setDefault('SDK_API_RATE_LIMIT_PER_MINUTE', '100000000'); // default 20000
setDefault('LOG_LEVEL', 'warn');

const port = Number.parseInt(process.env.UNLEASH_BENCH_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0) {
    console.error('UNLEASH_BENCH_PORT must be set to a port number');
    process.exit(2);
}
const adminToken =
    process.env.UNLEASH_BENCH_ADMIN_TOKEN ?? '*:*.segmentd-bench-admin-token';
const authType = process.env.UNLEASH_BENCH_AUTH ?? 'open-source';
setDefault('INIT_ADMIN_API_TOKENS', adminToken);

// Bounded lifetime and an orphan guard, set up before the (slow) start.
const maxSeconds = Number.parseFloat(process.env.UNLEASH_BENCH_MAX_SECONDS ?? '3600');
if (maxSeconds > 0) {
    setTimeout(() => {
        console.error(`unleash-bench: max lifetime ${maxSeconds}s reached, exiting`);
        process.exit(3);
    }, maxSeconds * 1000).unref();
}
if (process.env.UNLEASH_BENCH_EXIT_ON_STDIN_EOF === '1') {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
}

const { start } = await import('unleash-server');

const unleash = await start({
    server: {
        host: '127.0.0.1',
        port,
        // Unleash's own graceful shutdown is on SIGINT/SIGTERM; keep it short.
        gracefulShutdownTimeout: 1000,
    },
    db: {
        host: process.env.UNLEASH_BENCH_DB_HOST ?? '127.0.0.1',
        port: Number.parseInt(process.env.UNLEASH_BENCH_DB_PORT ?? '5432', 10),
        database: process.env.UNLEASH_BENCH_DB_NAME ?? 'unleash_bench',
        user: process.env.UNLEASH_BENCH_DB_USER ?? 'postgres',
        password: process.env.UNLEASH_BENCH_DB_PASSWORD ?? '',
        ssl: false,
    },
    authentication: {
        type: authType,
        enableApiToken: true,
        createAdminUser: false,
    },
    versionCheck: { enable: false },
    telemetry: false,
    resourceLimits: {
        segments: Number.parseInt(process.env.UNLEASH_SEGMENTS_LIMIT, 10),
    },
});

console.log(
    `unleash-bench: listening on http://127.0.0.1:${port} (unleash ${unleash.version}, auth=${authType})`,
);
