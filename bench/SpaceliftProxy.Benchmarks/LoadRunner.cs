using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace SpaceliftProxy.Benchmarks;

/// <summary>Requests completed in one phase, and how long the phase took.</summary>
internal sealed record Measurement(long Requests, long Failures, TimeSpan Elapsed, string? FirstFailure)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
}

/// <summary>
/// Sends <c>GET</c> requests to one path from a fixed number of concurrent workers over keep-alive
/// connections, for a fixed time or until a request count is reached, whichever comes first.
/// </summary>
internal sealed class LoadRunner(int concurrency, string path, long maxRequestsPerPhase)
{
    /// <summary>Creates a client that keeps one connection per worker open for the whole run.</summary>
    public HttpClient CreateClient(Uri baseAddress) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };

    /// <param name="token">The bearer token sent with every request, or null for none.</param>
    public async Task<Measurement> RunAsync(HttpClient client, string? token, TimeSpan duration)
    {
        var requests = 0L;
        var failures = 0L;
        string? firstFailure = null;
        var uri = new Uri(path, UriKind.Relative);
        var authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        var started = Stopwatch.GetTimestamp();
        var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task WorkAsync()
        {
            while (Stopwatch.GetTimestamp() < stopAt && Interlocked.Read(ref requests) < maxRequestsPerPhase)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Authorization = authorization;
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref requests);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkAsync)));

        return new Measurement(requests, failures, Stopwatch.GetElapsedTime(started), firstFailure);
    }
}
