using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Spacelift;

internal static class SpaceliftServiceCollectionExtensions
{
    /// <summary>Registers the typed Spacelift client, its token source and its HTTP pipeline.</summary>
    public static IServiceCollection AddSpaceliftClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SpaceliftTokenSource>();
        services.AddSingleton<SpaceliftClient>();
        services.AddTransient<SpaceliftTokenHandler>();

        services.AddHttpClient(SpaceliftTokenSource.ExchangeClientName, ConfigureHttpClient)
            .AddResilienceHandler("spacelift-exchange", AddResilience);

        // The resilience handler is outermost, so every attempt passes the token handler and a
        // retry after a token was dropped carries the new one.
        var client = services.AddHttpClient(SpaceliftClient.HttpClientName, ConfigureHttpClient);
        client.AddResilienceHandler("spacelift", AddResilience);
        client.AddHttpMessageHandler<SpaceliftTokenHandler>();

        return services;
    }

    private static void ConfigureHttpClient(IServiceProvider services, HttpClient client)
    {
        var options = services.GetRequiredService<IOptions<SpaceliftOptions>>().Value;
        client.BaseAddress = options.Host.GraphQLEndpoint;

        // The resilience pipeline's total timeout (Spacelift:Timeout) bounds every call.
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("SpaceliftProxy/1.0");
    }

    /// <summary>
    /// Total timeout, then retries with exponential backoff and jitter, then a circuit breaker,
    /// then a timeout per attempt.
    /// </summary>
    private static void AddResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ResilienceHandlerContext context)
    {
        var timeout = context.ServiceProvider.GetRequiredService<IOptions<SpaceliftOptions>>().Value.Timeout;
        var options = context.ServiceProvider.GetRequiredService<IOptions<SpaceliftResilienceOptions>>().Value;

        pipeline.AddTimeout(timeout);
        if (options.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                ShouldRetryAfterHeader = true,
                ShouldHandle = arguments => ValueTask.FromResult(ShouldRetry(arguments, options.MaxRetryAfter)),
            });
        }

        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = options.CircuitBreakerFailureRatio,
            MinimumThroughput = options.CircuitBreakerMinimumThroughput,
            SamplingDuration = options.CircuitBreakerSamplingDuration,
            BreakDuration = options.CircuitBreakerBreakDuration,
        });
        pipeline.AddTimeout(options.AttemptTimeout);
    }

    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> arguments, TimeSpan maxRetryAfter)
    {
        var request = arguments.Context.GetRequestMessage();
        if (request is not null
            && request.Options.TryGetValue(SpaceliftRequestOptions.Operation, out var operation)
            && operation.IsMutation
            && operation != SpaceliftOperations.ExchangeApiKey)
        {
            return false;
        }

        // A long Retry-After is the caller's to wait out, not a request's.
        if (arguments.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } response
            && response.Headers.RetryAfter?.Delta is { } retryAfter
            && retryAfter > maxRetryAfter)
        {
            return false;
        }

        return HttpClientResiliencePredicates.IsTransient(arguments.Outcome);
    }
}
