using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// A Spacelift account host, normalised from the <c>Spacelift:HostUrl</c> setting.
/// </summary>
/// <remarks>
/// Backstage documents the setting both with and without a scheme (<c>acme.app.spacelift.io</c>
/// and <c>https://acme.app.spacelift.io</c>), so both are accepted. Plain <c>http://</c> is
/// accepted only for loopback hosts, which is what local development and tests use.
/// </remarks>
internal sealed record SpaceliftHost
{
    private SpaceliftHost(Uri webBase)
    {
        WebBase = webBase;
        GraphQLEndpoint = new Uri(webBase, "/graphql");
        Authority = webBase.IsDefaultPort ? webBase.Host : $"{webBase.Host}:{webBase.Port}";
    }

    /// <summary>The account's web address, such as <c>https://acme.app.spacelift.io</c>, without a trailing slash.</summary>
    public Uri WebBase { get; }

    /// <summary>The GraphQL endpoint, <c>{WebBase}/graphql</c>.</summary>
    public Uri GraphQLEndpoint { get; }

    /// <summary>Host name, with the port when it is not the scheme's default; part of every cache key.</summary>
    public string Authority { get; }

    /// <summary>Returns the address of a stack's page in the Spacelift web UI.</summary>
    public Uri StackPage(string stackId) => new(WebBase, $"/stack/{Uri.EscapeDataString(stackId)}");

    /// <summary>Returns the address of a run's page in the Spacelift web UI.</summary>
    public Uri RunPage(string stackId, string runId) =>
        new(WebBase, $"/stack/{Uri.EscapeDataString(stackId)}/run/{Uri.EscapeDataString(runId)}");

    public override string ToString() => WebBase.GetLeftPart(UriPartial.Authority);

    public static SpaceliftHost Parse(string value) =>
        TryParse(value, out var host, out var error) ? host : throw new FormatException(error);

    public static bool TryParse(string? value, [NotNullWhen(true)] out SpaceliftHost? host, [NotNullWhen(false)] out string? error)
    {
        host = null;
        var text = value?.Trim() ?? "";
        if (text.Length == 0)
        {
            error = "the value is empty";
            return false;
        }

        var hasScheme = text.Contains("://", StringComparison.Ordinal);
        if (!Uri.TryCreate(hasScheme ? text : "https://" + text, UriKind.Absolute, out var uri))
        {
            error = "the value is not a host name or URL";
            return false;
        }

        if (uri.UserInfo.Length > 0)
        {
            // The value is not echoed, because user information may hold a password.
            error = "the URL must not contain user information; give only the account host, such as acme.app.spacelift.io";
            return false;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            error = $"'{text}' uses http://, which is accepted only for loopback hosts; use https:// or the bare host name";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{text}' has the scheme '{uri.Scheme}'; use https:// or the bare host name";
            return false;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            error = $"'{text}' must not contain a query or a fragment";
            return false;
        }

        // People paste the API address too; the GraphQL path is implied.
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.Length > 0 && !path.Equals("/graphql", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}' has the path '{uri.AbsolutePath}'; give only the account host, such as acme.app.spacelift.io";
            return false;
        }

        if (uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            error = $"'{text}' does not name a valid host";
            return false;
        }

        host = new SpaceliftHost(new Uri(uri.GetLeftPart(UriPartial.Authority)));
        error = null;
        return true;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback
        || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
