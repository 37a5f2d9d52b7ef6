using System.Text.Json;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>Reads answers the way the Spacelift frontend plugin does, with every wait bounded.</summary>
public static class HttpJson
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(Timeout);

        return (response, await ReadAsync(response));
    }

    /// <summary>Posts with no body and no content type, as the frontend's trigger button does.</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> PostEmptyAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        var response = await client.SendAsync(request).WaitAsync(Timeout);

        return (response, await ReadAsync(response));
    }

    /// <summary>Sends a request with no body and, when given, this Authorization header value as is.</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(
        HttpClient client, HttpMethod method, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await client.SendAsync(request).WaitAsync(Timeout);

        return (response, await ReadAsync(response));
    }

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        if (text.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(text);

        return document.RootElement.Clone();
    }

    /// <summary>Returns the <c>error</c> string of an error answer, failing the test when it is missing.</summary>
    public static string Error(JsonElement body)
    {
        Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Object), "error answers must be JSON objects");
        Assert.That(body.TryGetProperty("error", out var error), Is.True, "error answers must carry an 'error' member");
        Assert.That(error.ValueKind, Is.EqualTo(JsonValueKind.String), "'error' must be a string, which the frontend shows");
        Assert.That(body.TryGetProperty("response", out _), Is.False, "a top-level 'response' member confuses Backstage's error parser");

        return error.GetString()!;
    }
}
