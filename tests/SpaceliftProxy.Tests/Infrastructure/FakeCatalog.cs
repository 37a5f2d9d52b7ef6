using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>
/// A stand-in for Backstage's catalog on 127.0.0.1: it serves
/// <c>GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}</c> for the entities a test adds,
/// matching the three parts in any case as Backstage does, and records the Authorization header of
/// every request.
/// </summary>
public sealed class FakeCatalog : IAsyncDisposable
{
    private const string EntityPathPrefix = "/api/catalog/entities/by-name/";

    private readonly ConcurrentDictionary<string, string> _entities = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string?> _authorizations = new();
    private WebApplication? _app;
    private long _latencyTicks;
    private int _status;

    private FakeCatalog()
    {
    }

    /// <summary>The root address, <c>http://127.0.0.1:PORT/</c>; the value for <c>Backstage:BaseUrl</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The Authorization header of each request in order, null where a request had none.</summary>
    public IReadOnlyList<string?> Authorizations => [.. _authorizations];

    /// <summary>A status code returned for every request instead of the entity, such as 401. Zero serves entities.</summary>
    public int Status
    {
        get => Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, value);
    }

    /// <summary>Delay before every response.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    public static async Task<FakeCatalog> StartAsync()
    {
        var catalog = new FakeCatalog();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.Run(catalog.HandleAsync);
        await app.StartAsync().WaitAsync(HttpJson.Timeout);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        catalog.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        catalog._app = app;

        return catalog;
    }

    /// <summary>Adds or replaces an entity with the given annotations, in Backstage's entity shape.</summary>
    public void AddEntity(string kind, string @namespace, string name, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var metadata = new JsonObject
        {
            ["namespace"] = @namespace,
            ["name"] = name,
            ["uid"] = Guid.NewGuid().ToString(),
            ["etag"] = "d41d8cd98f00b204e9800998ecf8427e",
        };
        if (annotations is not null)
        {
            var values = new JsonObject();
            foreach (var (key, value) in annotations)
            {
                values[key] = value;
            }

            metadata["annotations"] = values;
        }

        var entity = new JsonObject
        {
            ["apiVersion"] = "backstage.io/v1alpha1",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["type"] = "service", ["lifecycle"] = "production", ["owner"] = "team-platform" },
            ["relations"] = new JsonArray(),
        };
        _entities[Key(kind, @namespace, name)] = entity.ToJsonString();
    }

    /// <summary>Adds an entity whose stored JSON is exactly <paramref name="json"/>, valid or not.</summary>
    public void AddRawEntity(string kind, string @namespace, string name, string json) => _entities[Key(kind, @namespace, name)] = json;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(HttpJson.Timeout);
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        _authorizations.Enqueue(http.Request.Headers.Authorization.Count == 0 ? null : http.Request.Headers.Authorization.ToString());
        var latency = Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, http.RequestAborted);
        }

        var path = http.Request.Path.Value ?? "";
        var parts = path.StartsWith(EntityPathPrefix, StringComparison.Ordinal) ? path[EntityPathPrefix.Length..].Split('/') : [];
        if (!HttpMethods.IsGet(http.Request.Method) || parts.Length != 3)
        {
            await WriteErrorAsync(http, StatusCodes.Status404NotFound, "NotFoundError", $"No route for {http.Request.Method} {path}");
            return;
        }

        var status = Status;
        if (status != 0)
        {
            await WriteErrorAsync(http, status, status == StatusCodes.Status401Unauthorized ? "AuthenticationError" : "NotAllowedError", "Refused by the test");
            return;
        }

        var (kind, @namespace, name) = (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]), Uri.UnescapeDataString(parts[2]));
        if (!_entities.TryGetValue(Key(kind, @namespace, name), out var json))
        {
            await WriteErrorAsync(http, StatusCodes.Status404NotFound, "NotFoundError", $"No entity named '{name}' found, with kind '{kind}' in namespace '{@namespace}'");
            return;
        }

        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(json, http.RequestAborted);
    }

    /// <summary>Writes an error in Backstage's shape, whose top-level <c>error</c> is an object.</summary>
    private static async Task WriteErrorAsync(HttpContext http, int status, string errorName, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new { error = new { name = errorName, message }, request = new { method = http.Request.Method, url = http.Request.Path.Value }, response = new { statusCode = status } };
        await http.Response.WriteAsync(JsonSerializer.Serialize(body), http.RequestAborted);
    }

    private static string Key(string kind, string @namespace, string name) => $"{kind}/{@namespace}/{name}";
}
