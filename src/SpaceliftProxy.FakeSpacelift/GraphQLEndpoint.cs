using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// Serves <c>POST /graphql</c> the way Spacelift does: HTTP 200 with a standard GraphQL response,
/// errors included, unless a matching fault rule replaces the response.
/// </summary>
internal sealed partial class GraphQLEndpoint
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const string JsonContentType = "application/json";

    private readonly Schema _schema;
    private readonly DocumentExecuter _executer = new();
    private readonly GraphQLSerializer _serializer;
    private readonly FakeFaults _faults;
    private readonly FakeRequestLog _requestLog;
    private readonly FakeTokenStore _tokens;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    public GraphQLEndpoint(
        Schema schema,
        FakeFaults faults,
        FakeRequestLog requestLog,
        FakeTokenStore tokens,
        TimeProvider timeProvider,
        ILogger logger,
        CancellationToken stopping)
    {
        _timeProvider = timeProvider;
        _schema = schema;
        _faults = faults;
        _requestLog = requestLog;
        _tokens = tokens;
        _logger = logger;
        _stopping = stopping;

        // Spacelift's errors carry no extensions (no machine-readable code), only message, locations and path.
        // The relaxed encoder writes non-ASCII text as UTF-8, as Spacelift does, instead of \u escapes.
        _serializer = new GraphQLSerializer(
            options => options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            new ErrorInfoProvider(new ErrorInfoProviderOptions { ExposeExtensions = false }));
    }

    public async Task HandleAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return;
        }

        var body = await ReadBodyAsync(http);
        if (body is null)
        {
            await WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, $"request body is larger than {MaxBodyBytes} bytes");
            return;
        }

        GraphQLRequest? request;
        try
        {
            request = _serializer.Deserialize<GraphQLRequest>(body);
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, $"json request body could not be decoded: {exception.Message}");
            return;
        }

        if (request is null)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, "json request body could not be decoded: expected an object with a query");
            return;
        }

        var document = TryParse(request.Query);
        var operationName = string.IsNullOrEmpty(request.OperationName) ? SingleOperationName(document) : request.OperationName;
        var authorization = http.Request.Headers.Authorization.Count == 0 ? null : http.Request.Headers.Authorization.ToString();
        _requestLog.Record(new FakeRequest(
            _timeProvider.GetUtcNow(),
            operationName,
            authorization,
            http.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            request.Query,
            body));

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping);
        _requestLog.RecordStarted();
        try
        {
            await RespondAsync(http, request, document, operationName, authorization, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client gave up or the server is stopping: drop the connection without a response.
            http.Abort();
        }
        finally
        {
            _requestLog.RecordFinished();
        }
    }

    private async Task RespondAsync(
        HttpContext http,
        GraphQLRequest request,
        GraphQLDocument? document,
        string? operationName,
        string? authorization,
        CancellationToken cancellationToken)
    {
        var latency = _faults.Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, cancellationToken);
        }

        _faults.BeforeOperation?.Invoke(operationName);

        var fault = _faults.Match(operationName);
        switch (fault?.Kind)
        {
            case FakeFaultKind.ServerError:
                await WriteTextAsync(http, fault.StatusCode, fault.Message ?? "internal server error", cancellationToken);
                return;

            case FakeFaultKind.RateLimited:
                var seconds = (long)Math.Ceiling((fault.RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds);
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await WriteTextAsync(http, StatusCodes.Status429TooManyRequests, fault.Message ?? "rate limit exceeded", cancellationToken);
                return;

            case FakeFaultKind.Hang:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;

            case FakeFaultKind.InvalidJson:
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = JsonContentType;
                await http.Response.WriteAsync("{\"data\":{\"stacks\":[{\"id\":\"payments-api-pr", cancellationToken);
                return;

            case FakeFaultKind.GraphQLError:
                await WriteErrorAsync(http, StatusCodes.Status200OK, fault.Message ?? PartialDataFault.Message, cancellationToken);
                return;

            case FakeFaultKind.HttpUnauthorized:
                await WriteTextAsync(http, StatusCodes.Status401Unauthorized, fault.Message ?? "unauthorized", cancellationToken);
                return;

            default:
                break;
        }

        var state = new FakeRequestState(
            _tokens.Validate(authorization),
            MachineSessionGate: fault?.Kind == FakeFaultKind.MachineSessionGate,
            StuckRunsCursor: fault?.Kind == FakeFaultKind.StuckRunsCursor);
        var result = await _executer.ExecuteAsync(options =>
        {
            options.Schema = _schema;
            if (document is not null)
            {
                options.Document = document;
            }
            else
            {
                options.Query = request.Query;
            }

            options.ValidationRules = StrictVariablesInAllowedPosition.Rules;
            options.OperationName = request.OperationName;
            options.Variables = request.Variables;
            options.Extensions = request.Extensions;
            options.UserContext = new Dictionary<string, object?> { [FakeRequestState.Key] = state };
            options.CancellationToken = cancellationToken;
            options.UnhandledExceptionDelegate = context =>
            {
                // Spacelift hides internal failures behind a generic message; the log keeps the cause.
                // Only the message is logged: a test that serves an unknown enum value on purpose should not flood the output with stack traces.
                var path = context.FieldContext?.Path is { } fieldPath ? string.Join('.', fieldPath) : null;
                LogResolverFailure(_logger, operationName, path, context.OriginalException.GetType().Name, context.OriginalException.Message);
                context.ErrorMessage = PartialDataFault.Message;
                return Task.CompletedTask;
            };
        });

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = JsonContentType;
        if (fault?.Kind == FakeFaultKind.PartialData)
        {
            await http.Response.WriteAsync(PartialDataFault.Apply(_serializer.Serialize(result)), cancellationToken);
            return;
        }

        await _serializer.WriteAsync(http.Response.Body, result, cancellationToken);
    }

    /// <summary>Returns the body as text, or null when it exceeds <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Parses the query once for the fault rules and the executor; a syntax error is left for the executor to report.</summary>
    private static GraphQLDocument? TryParse(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return null;
        }

        try
        {
            return Parser.Parse(query, new ParserOptions { Ignore = IgnoreOptions.Comments });
        }
        catch (GraphQLParserException)
        {
            return null;
        }
    }

    private static string? SingleOperationName(GraphQLDocument? document)
    {
        var operations = document?.Definitions.OfType<GraphQLOperationDefinition>().Take(2).ToList();
        return operations is [var operation] ? operation.Name?.StringValue : null;
    }

    private static async Task WriteErrorAsync(HttpContext http, int statusCode, string message, CancellationToken cancellationToken = default)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = JsonContentType;
        var response = new { data = (object?)null, errors = new[] { new { message } } };
        await http.Response.WriteAsync(JsonSerializer.Serialize(response), cancellationToken);
    }

    private static async Task WriteTextAsync(HttpContext http, int statusCode, string text, CancellationToken cancellationToken)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resolver failed in operation {Operation} at {Path} with {ErrorType}: {Error}; the client got 'internal error'")]
    private static partial void LogResolverFailure(ILogger logger, string? operation, string? path, string errorType, string error);
}
