using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SpaceliftProxy.FakeSpacelift.Backstage;

/// <summary>
/// A stand-in for the parts of a Backstage backend that verify callers, on 127.0.0.1, for tests and
/// the benchmark: the auth backend's JWKS and user info, and the JWKS of plugins that call the
/// service. It also issues the tokens those keys verify.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>GET …/.well-known/jwks.json</c>: the auth keys (Backstage serves it at <c>/api/auth/.well-known/jwks.json</c>).</item>
/// <item><c>GET …/v1/userinfo</c>: <c>{"claims":{"sub","ent"}}</c> for a user token signed by an auth key.</item>
/// <item><c>GET …/{pluginId}/.backstage/auth/v1/jwks.json</c>: the keys of a plugin added with
/// <see cref="AddPlugin"/>, under any path prefix so discovery targets can differ; 404 for other plugins.</item>
/// </list>
/// </remarks>
public sealed class FakeBackstageServer : IAsyncDisposable
{
    private const string PluginJwksSuffix = "/.backstage/auth/v1/jwks.json";
    private const string AuthJwksSuffix = "/.well-known/jwks.json";
    private const string UserInfoSuffix = "/v1/userinfo";

    private readonly ConcurrentDictionary<string, List<FakeSigningKey>> _pluginKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _ownership = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Lock _keysLock = new();
    private readonly List<FakeSigningKey> _authKeys = [];
    private WebApplication? _app;

    private FakeBackstageServer(TimeProvider time)
    {
        Time = time;
        _authKeys.Add(FakeSigningKey.Create());
    }

    /// <summary>The root address, <c>http://127.0.0.1:PORT</c>, to use as <c>backend.baseUrl</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Clock for <c>iat</c> and <c>exp</c> of issued tokens.</summary>
    public TimeProvider Time { get; }

    /// <summary>The auth key that signs new user tokens: the last one added.</summary>
    public FakeSigningKey AuthKey
    {
        get
        {
            lock (_keysLock)
            {
                return _authKeys[^1];
            }
        }
    }

    /// <summary>Faults that change what the endpoints return; tests set them at any time.</summary>
    public FakeBackstageFaults Faults { get; } = new();

    /// <summary>Paths of every request received, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public int AuthJwksRequests => _requests.Count(path => path.EndsWith(AuthJwksSuffix, StringComparison.Ordinal));

    public int UserInfoRequests => _requests.Count(path => path.EndsWith(UserInfoSuffix, StringComparison.Ordinal));

    public int PluginJwksRequests(string pluginId) =>
        _requests.Count(path => path.EndsWith("/" + pluginId + PluginJwksSuffix, StringComparison.Ordinal));

    /// <summary>Starts a stand-in on a free port of 127.0.0.1.</summary>
    public static async Task<FakeBackstageServer> StartAsync(TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeBackstageServer(time ?? TimeProvider.System);
        try
        {
            await server.StartCoreAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes a new auth key, which signs user tokens from now on; the old keys stay published.</summary>
    public FakeSigningKey RotateAuthKey(string algorithm = "ES256")
    {
        var key = FakeSigningKey.Create(algorithm);
        lock (_keysLock)
        {
            _authKeys.Add(key);
        }

        return key;
    }

    /// <summary>Publishes a key for a plugin that calls the service, and returns it.</summary>
    public FakeSigningKey AddPlugin(string pluginId)
    {
        var key = FakeSigningKey.Create();
        _pluginKeys.AddOrUpdate(pluginId, _ => [key], (_, keys) => [.. keys, key]);

        return key;
    }

    /// <summary>Sets the <c>ent</c> that user info returns for a user; by default it is the user alone.</summary>
    public void SetOwnership(string userEntityRef, params string[] ownershipEntityRefs) => _ownership[userEntityRef] = ownershipEntityRefs;

    public void ResetRequests() => _requests.Clear();

    /// <summary>
    /// Issues a user token as Backstage's auth backend does: <c>typ: vnd.backstage.user</c>, signed by
    /// <see cref="AuthKey"/>, with <c>iss</c>, <c>sub</c>, <c>aud: backstage</c>, <c>iat</c> and <c>exp</c>.
    /// <paramref name="ownership"/> adds <c>ent</c>; <paramref name="customize"/> may change header and payload.
    /// </summary>
    public string IssueUserToken(
        string subject = "user:default/jdoe",
        IEnumerable<string>? ownership = null,
        TimeSpan? lifetime = null,
        Action<Dictionary<string, object?>, Dictionary<string, object?>>? customize = null,
        FakeSigningKey? key = null)
    {
        key ??= AuthKey;
        var now = Time.GetUtcNow();
        var header = new Dictionary<string, object?> { ["typ"] = FakeTokens.UserType, ["alg"] = key.Algorithm, ["kid"] = key.KeyId };
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = new Uri(BaseAddress, "/api/auth").ToString(),
            ["sub"] = subject,
            ["aud"] = "backstage",
            ["iat"] = FakeTokens.ToNumericDate(now),
            ["exp"] = FakeTokens.ToNumericDate(now + (lifetime ?? TimeSpan.FromHours(1))),
        };
        if (ownership is not null)
        {
            payload["ent"] = ownership.ToArray();
        }

        customize?.Invoke(header, payload);

        return FakeTokens.Sign(header, payload, key);
    }

    /// <summary>Issues a limited user token, <c>{sub, iat, exp}</c> with <c>typ: vnd.backstage.limited-user</c>.</summary>
    public string IssueLimitedUserToken(string subject = "user:default/jdoe", TimeSpan? lifetime = null, FakeSigningKey? key = null)
    {
        key ??= AuthKey;
        var now = Time.GetUtcNow();
        var header = new Dictionary<string, object?> { ["typ"] = FakeTokens.LimitedUserType, ["alg"] = key.Algorithm, ["kid"] = key.KeyId };
        var payload = new Dictionary<string, object?>
        {
            ["sub"] = subject,
            ["iat"] = FakeTokens.ToNumericDate(now),
            ["exp"] = FakeTokens.ToNumericDate(now + (lifetime ?? TimeSpan.FromHours(1))),
        };

        return FakeTokens.Sign(header, payload, key);
    }

    /// <summary>
    /// Issues a plugin token as a Backstage backend does when plugin <paramref name="pluginId"/>
    /// calls plugin <paramref name="audience"/>, signed with the plugin's latest key.
    /// </summary>
    public string IssuePluginToken(
        string pluginId,
        string audience = "spacelift-io",
        string? onBehalfOf = null,
        Action<Dictionary<string, object?>, Dictionary<string, object?>>? customize = null,
        FakeSigningKey? key = null)
    {
        key ??= _pluginKeys.TryGetValue(pluginId, out var keys) ? keys[^1] : throw new InvalidOperationException($"Call AddPlugin(\"{pluginId}\") first.");
        var now = Time.GetUtcNow();
        var header = new Dictionary<string, object?> { ["typ"] = FakeTokens.PluginType, ["alg"] = key.Algorithm, ["kid"] = key.KeyId };
        var payload = new Dictionary<string, object?>
        {
            ["sub"] = pluginId,
            ["aud"] = audience,
            ["iat"] = FakeTokens.ToNumericDate(now),
            ["exp"] = FakeTokens.ToNumericDate(now + TimeSpan.FromHours(1)),
        };
        if (onBehalfOf is not null)
        {
            payload["obo"] = onBehalfOf;
        }

        customize?.Invoke(header, payload);

        return FakeTokens.Sign(header, payload, key);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Kestrel has closed the remaining connections by the time the token fires.
            }

            await _app.DisposeAsync();
            _app = null;
        }

        lock (_keysLock)
        {
            foreach (var key in _authKeys)
            {
                key.Dispose();
            }
        }

        foreach (var key in _pluginKeys.Values.SelectMany(keys => keys))
        {
            key.Dispose();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        // As for the Spacelift stand-in: no appsettings or environment can move it off 127.0.0.1.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeBackstageServer).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        _app = app;
        app.Run(HandleAsync);

        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority) + "/");
    }

    private async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        _requests.Enqueue(path);

        if (Faults.AbortConnections)
        {
            http.Abort();
            return;
        }

        if (Faults.Delay > TimeSpan.Zero)
        {
            await Task.Delay(Faults.Delay, http.RequestAborted);
        }

        if (!HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        }
        else if (path.EndsWith(PluginJwksSuffix, StringComparison.Ordinal))
        {
            var prefix = path[..^PluginJwksSuffix.Length];
            var pluginId = prefix[(prefix.LastIndexOf('/') + 1)..];
            if (Faults.PluginJwksStatus is { } status)
            {
                http.Response.StatusCode = status;
            }
            else if (_pluginKeys.TryGetValue(pluginId, out var keys))
            {
                await WriteJwksAsync(http, keys);
            }
            else
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
        else if (path.EndsWith(AuthJwksSuffix, StringComparison.Ordinal))
        {
            if (Faults.AuthJwksStatus is { } status)
            {
                http.Response.StatusCode = status;
                return;
            }

            List<FakeSigningKey> keys;
            lock (_keysLock)
            {
                keys = [.. _authKeys];
            }

            await WriteJwksAsync(http, keys);
        }
        else if (path.EndsWith(UserInfoSuffix, StringComparison.Ordinal))
        {
            await WriteUserInfoAsync(http);
        }
        else
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private static Task WriteJwksAsync(HttpContext http, IEnumerable<FakeSigningKey> keys) =>
        http.Response.WriteAsJsonAsync(new { keys = keys.Select(key => key.PublicJwk()).ToArray() });

    private async Task WriteUserInfoAsync(HttpContext http)
    {
        if (Faults.UserInfoStatus is { } status)
        {
            http.Response.StatusCode = status;
            return;
        }

        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..] : "";
        bool signedHere;
        lock (_keysLock)
        {
            signedHere = _authKeys.Any(key => key.Verifies(token));
        }

        if (!signedHere)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var payload = JsonDocument.Parse(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(token.Split('.')[1]));
        var subject = payload.RootElement.GetProperty("sub").GetString()!;
        var ownership = _ownership.TryGetValue(subject, out var refs) ? refs : [subject];

        await http.Response.WriteAsJsonAsync(new { claims = new { sub = subject, ent = ownership } });
    }
}

/// <summary>Failures the Backstage stand-in imitates. Every member may be changed while it runs.</summary>
public sealed class FakeBackstageFaults
{
    /// <summary>When set, the auth JWKS responds with this status and no keys.</summary>
    public int? AuthJwksStatus { get; set; }

    /// <summary>When set, every plugin JWKS responds with this status and no keys.</summary>
    public int? PluginJwksStatus { get; set; }

    /// <summary>When set, user info responds with this status.</summary>
    public int? UserInfoStatus { get; set; }

    /// <summary>Delay before every response.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When true, every request's connection is closed without an answer, as if Backstage were down.</summary>
    public bool AbortConnections { get; set; }
}
