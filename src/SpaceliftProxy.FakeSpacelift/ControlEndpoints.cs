using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// The <c>/_fake/</c> endpoints for manual and black-box testing. They are not part of Spacelift's
/// API and are served only when <see cref="FakeSpaceliftOptions.EnableControlEndpoints"/> is set.
/// </summary>
internal sealed class ControlEndpoints(FakeFaults faults, FakeRequestLog requestLog)
{
    public const string Prefix = "/_fake/";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        switch (path)
        {
            case "/_fake/requests" when HttpMethods.IsGet(method):
                await WriteJsonAsync(http, new
                {
                    total = requestLog.Total,
                    tokensIssued = requestLog.TokensIssued,
                    maxInFlight = requestLog.MaxInFlight,
                    operations = requestLog.Counts(),
                });
                return;

            case "/_fake/requests" when HttpMethods.IsDelete(method):
                requestLog.Reset();
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;

            case "/_fake/faults" when HttpMethods.IsGet(method):
                await WriteJsonAsync(http, new { latencyMs = faults.Latency.TotalMilliseconds, rules = faults.Rules });
                return;

            case "/_fake/faults" when HttpMethods.IsPost(method):
                await AddFaultAsync(http);
                return;

            case "/_fake/faults" when HttpMethods.IsDelete(method):
                faults.Clear();
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;

            case "/_fake/tokens/revoke" when HttpMethods.IsPost(method):
                faults.RevokeTokens();
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return;

            case "/_fake/latency" when HttpMethods.IsPut(method):
                await SetLatencyAsync(http);
                return;

            case "/_fake/requests" or "/_fake/faults" or "/_fake/tokens/revoke" or "/_fake/latency":
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;

            default:
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private async Task AddFaultAsync(HttpContext http)
    {
        FakeFault? fault;
        try
        {
            fault = await JsonSerializer.DeserializeAsync<FakeFault>(http.Request.Body, JsonOptions, http.RequestAborted);
        }
        catch (JsonException exception)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest,
                $"Invalid fault rule: {exception.Message} Expected JSON such as {{\"kind\":\"RateLimited\",\"operation\":\"ListStacks\",\"times\":2,\"retryAfter\":\"00:00:03\"}}.");
            return;
        }

        if (fault is null)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, "Invalid fault rule: the body is empty or null.");
            return;
        }

        try
        {
            faults.Add(fault);
        }
        catch (ArgumentException exception)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, $"Invalid fault rule: {exception.Message}");
            return;
        }

        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task SetLatencyAsync(HttpContext http)
    {
        var text = http.Request.Query["ms"].ToString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds))
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, $"Query parameter ms must be a non-negative whole number of milliseconds; got '{text}'.");
            return;
        }

        faults.Latency = TimeSpan.FromMilliseconds(milliseconds);
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task WriteJsonAsync<T>(HttpContext http, T value)
    {
        http.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(http.Response.Body, value, JsonOptions, http.RequestAborted);
    }

    private static async Task WriteTextAsync(HttpContext http, int statusCode, string text)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text, http.RequestAborted);
    }
}
