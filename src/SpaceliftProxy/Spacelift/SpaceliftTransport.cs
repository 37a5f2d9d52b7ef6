using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Spacelift;

/// <summary>A GraphQL response whose errors, if any, still left the data usable.</summary>
/// <param name="Errors">Errors that came with partial data, or empty.</param>
/// <param name="TokenGeneration">Generation of the token the request carried; 0 without a token.</param>
internal sealed record SpaceliftResponse<TData>(TData Data, IReadOnlyList<GraphQLError> Errors, long TokenGeneration);

/// <summary>Keys of the per-request values that the HTTP handlers of the Spacelift client share.</summary>
internal static class SpaceliftRequestOptions
{
    public static readonly HttpRequestOptionsKey<GraphQLOperation> Operation = new("Spacelift.Operation");
    public static readonly HttpRequestOptionsKey<long> TokenGeneration = new("Spacelift.TokenGeneration");
}

/// <summary>
/// Sends one GraphQL operation to Spacelift and decides what the response means: the one place that
/// turns HTTP failures and GraphQL <c>errors</c> into <see cref="SpaceliftException"/>s.
/// </summary>
internal sealed partial class SpaceliftTransport(HttpClient httpClient, ProxyTelemetry telemetry, ILogger<SpaceliftTransport> logger)
{
    /// <summary>How variables are written and responses read: camelCase, nulls left out.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Sends the operation inside a span named after it, recording its duration and any failure
    /// kind. Neither the span nor the metrics carry variables or tokens.
    /// </summary>
    public async Task<SpaceliftResponse<TData>> SendAsync<TVariables, TData>(
        GraphQLOperation operation,
        TVariables variables,
        long tokenGeneration,
        CancellationToken cancellationToken)
        where TData : class
    {
        using var activity = ProxyTelemetry.ActivitySource.StartActivity($"Spacelift {operation.Name}", ActivityKind.Internal);
        activity?.SetTag("graphql.operation.name", operation.Name);
        activity?.SetTag("graphql.operation.type", operation.IsMutation ? "mutation" : "query");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await SendCoreAsync<TVariables, TData>(operation, variables, tokenGeneration, cancellationToken);
            telemetry.RecordSpaceliftOperation(operation.Name, Stopwatch.GetElapsedTime(started), errorKind: null);
            if (response.Errors.Count > 0)
            {
                activity?.SetTag("graphql.partial_errors", response.Errors.Count);
            }

            return response;
        }
        catch (SpaceliftException ex)
        {
            telemetry.RecordSpaceliftOperation(operation.Name, Stopwatch.GetElapsedTime(started), ex.Kind);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Kind);
            activity?.SetTag("error.type", ex.Kind);

            throw;
        }
    }

    private async Task<SpaceliftResponse<TData>> SendCoreAsync<TVariables, TData>(
        GraphQLOperation operation,
        TVariables variables,
        long tokenGeneration,
        CancellationToken cancellationToken)
        where TData : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, (Uri?)null)
        {
            Content = JsonContent.Create(new GraphQLRequest<TVariables>(operation.Document, variables, operation.Name), options: SerializerOptions),
        };
        request.Options.Set(SpaceliftRequestOptions.Operation, operation);

        // Spacelift's own clients label each request with the operation; it helps on their side.
        request.Headers.TryAddWithoutValidation(operation.IsMutation ? "Spacelift-GraphQL-Mutation" : "Spacelift-GraphQL-Query", operation.Name);

        using var response = await SendRequestAsync(request, operation, cancellationToken);
        request.Options.TryGetValue(SpaceliftRequestOptions.TokenGeneration, out var usedGeneration);
        if (usedGeneration == 0)
        {
            usedGeneration = tokenGeneration;
        }

        ThrowForStatus(response, operation, usedGeneration);

        GraphQLResponse<TData>? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync<GraphQLResponse<TData>>(SerializerOptions, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new SpaceliftInvalidResponseException($"Spacelift returned invalid JSON for {operation.Name}.", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new SpaceliftUnavailableException($"The connection to Spacelift broke while reading the answer to {operation.Name}.", ex);
        }

        return Interpret(body, operation, usedGeneration);
    }

    private async Task<HttpResponseMessage> SendRequestAsync(HttpRequestMessage request, GraphQLOperation operation, CancellationToken cancellationToken)
    {
        try
        {
            return await httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception ex) when (ex is Polly.Timeout.TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SpaceliftTimeoutException(
                $"Spacelift did not respond to {operation.Name} in time (Spacelift:Resilience:AttemptTimeout for each attempt, Spacelift:Timeout in all).", ex);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException ex)
        {
            throw new SpaceliftUnavailableException($"Calls to Spacelift are paused after repeated failures; {operation.Name} was not sent.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SpaceliftUnavailableException($"Could not reach Spacelift for {operation.Name}: {ex.Message}", ex);
        }
    }

    private static void ThrowForStatus(HttpResponseMessage response, GraphQLOperation operation, long tokenGeneration)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => (TimeSpan?)null,
            };

            throw new SpaceliftRateLimitedException($"Spacelift is rate limiting this API key (HTTP 429 on {operation.Name}).", retryAfter);
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new SpaceliftUnauthorizedException($"Spacelift returned HTTP 401 for {operation.Name}.", tokenGeneration);
        }

        if (status >= 500)
        {
            throw new SpaceliftUnavailableException($"Spacelift returned HTTP {status} for {operation.Name}.");
        }

        throw new SpaceliftInvalidResponseException($"Spacelift returned unexpected HTTP {status} for {operation.Name}.");
    }

    private SpaceliftResponse<TData> Interpret<TData>(GraphQLResponse<TData>? body, GraphQLOperation operation, long tokenGeneration)
        where TData : class
    {
        if (body is null)
        {
            throw new SpaceliftInvalidResponseException($"Spacelift returned an empty body for {operation.Name}.");
        }

        var errors = body.Errors ?? [];
        foreach (var error in errors)
        {
            // Spacelift's errors carry no codes; its own clients match these message texts.
            var message = error.Message ?? "";
            if (message.Contains("unauthorized", StringComparison.OrdinalIgnoreCase))
            {
                throw new SpaceliftUnauthorizedException($"Spacelift returned 'unauthorized' for {operation.Name}.", tokenGeneration);
            }

            if (message.Contains("not available for machine sessions", StringComparison.OrdinalIgnoreCase))
            {
                throw new SpaceliftMachineSessionException($"Spacelift does not allow API keys to read {DescribePath(error)} ({operation.Name}: {message}).");
            }
        }

        if (body.Data is null)
        {
            throw errors.Count == 0
                ? new SpaceliftInvalidResponseException($"Spacelift returned neither data nor errors for {operation.Name}.")
                : FailureFor(errors, operation);
        }

        if (errors.Count > 0)
        {
            Log.PartialData(logger, operation.Name, errors.Count, DescribePath(errors[0]), errors[0].Message);
        }

        return new SpaceliftResponse<TData>(body.Data, errors, tokenGeneration);
    }

    /// <summary>
    /// Returns the exception for an answer whose root field is missing: <c>not found</c> becomes
    /// <see cref="SpaceliftNotFoundException"/>, any other error a failed request.
    /// </summary>
    public static SpaceliftException FailureFor(IReadOnlyList<GraphQLError> errors, GraphQLOperation operation)
    {
        if (errors.Any(error => error.Message?.Contains("not found", StringComparison.OrdinalIgnoreCase) == true))
        {
            return new SpaceliftNotFoundException($"Spacelift found nothing for {operation.Name}.");
        }

        var messages = string.Join("; ", errors.Select(error => error.Message).Where(message => !string.IsNullOrEmpty(message)).Take(3));

        return new SpaceliftRequestFailedException($"Spacelift returned an error for {operation.Name}: {(messages.Length > 0 ? messages : "no message")}");
    }

    private static string DescribePath(GraphQLError error) => error.PathText.Length > 0 ? error.PathText : "the requested field";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Spacelift returned partial data for {Operation} with {ErrorCount} errors, the first at {Path}: {Message}")]
        public static partial void PartialData(ILogger logger, string operation, int errorCount, string path, string? message);
    }
}
