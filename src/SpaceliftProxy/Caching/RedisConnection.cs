using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using SpaceliftProxy.Configuration;
using StackExchange.Redis;

namespace SpaceliftProxy.Caching;

/// <summary>
/// The one Redis connection of the process, shared by the response cache, the token cache and
/// cache invalidation. It is set up so that a missing or slow Redis never holds a request up:
/// start-up does not wait for Redis, commands fail at once while disconnected, and every command
/// times out after <see cref="CacheOptions.RedisTimeout"/>. It reconnects by itself.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly string _endpoints;

    private readonly StackExchangeRedisInstrumentation? _instrumentation;

    /// <param name="instrumentation">Traces Redis commands once the connection exists; null without tracing.</param>
    public RedisConnection(string connectionString, IOptions<CacheOptions> options, ILogger<RedisConnection> logger, StackExchangeRedisInstrumentation? instrumentation = null)
    {
        _instrumentation = instrumentation;
        _configuration = RedisConnectionString.Parse(connectionString);
        var timeout = (int)options.Value.RedisTimeout.TotalMilliseconds;
        _configuration.AbortOnConnectFail = false;
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.ConnectTimeout = Math.Max(timeout, 1000);
        _configuration.SyncTimeout = timeout;
        _configuration.AsyncTimeout = timeout;
        _configuration.ConnectRetry = 1;
        _configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        _endpoints = string.Join(",", _configuration.EndPoints.Select(endpoint => endpoint.ToString()));
        _logger = logger;
        _connection = new Lazy<Task<IConnectionMultiplexer>>(ConnectAsync);
    }

    /// <summary>Endpoints without passwords, for logs.</summary>
    public string Endpoints => _endpoints;

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var multiplexer = await _connection.Value;
            await multiplexer.CloseAsync();
            multiplexer.Dispose();
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1873", Justification = "Connection events are rare.")]
    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration);
        _instrumentation?.AddConnection(multiplexer);
        multiplexer.ConnectionFailed += (_, args) => Log.ConnectionFailed(_logger, args.EndPoint?.ToString() ?? _endpoints, args.FailureType);
        multiplexer.ConnectionRestored += (_, args) => Log.ConnectionRestored(_logger, args.EndPoint?.ToString() ?? _endpoints);
        if (!multiplexer.IsConnected)
        {
            Log.NotConnectedAtStart(_logger, _endpoints);
        }

        return multiplexer;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Redis at {Endpoint} is unreachable ({FailureType}); serving from memory and Spacelift until it is back")]
        public static partial void ConnectionFailed(ILogger logger, string endpoint, ConnectionFailureType failureType);

        [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Redis at {Endpoint} is reachable again")]
        public static partial void ConnectionRestored(ILogger logger, string endpoint);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Redis at {Endpoints} did not accept a connection at start-up; retrying in the background")]
        public static partial void NotConnectedAtStart(ILogger logger, string endpoints);
    }
}
