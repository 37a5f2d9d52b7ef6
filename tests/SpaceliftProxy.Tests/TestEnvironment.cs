using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests;

/// <summary>Starts the one Redis the tests share, once for the whole run; in the root namespace so it covers every test.</summary>
[SetUpFixture]
public sealed class TestEnvironment
{
    private static RedisTestServer? s_redis;

    /// <summary>The shared Redis; tests keep apart through the Spacelift host in every cache key.</summary>
    public static RedisTestServer Redis => s_redis ?? throw new InvalidOperationException("The test environment has not started.");

    [OneTimeSetUp]
    public async Task StartAsync() => s_redis = await RedisTestServer.StartAsync().WaitAsync(TimeSpan.FromMinutes(2));

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (s_redis is not null)
        {
            await s_redis.DisposeAsync();
        }
    }
}
