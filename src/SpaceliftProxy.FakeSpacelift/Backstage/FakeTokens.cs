using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace SpaceliftProxy.FakeSpacelift.Backstage;

/// <summary>Builds compact JWS tokens with any header and payload, including ones Backstage would never issue.</summary>
public static class FakeTokens
{
    public const string UserType = "vnd.backstage.user";
    public const string LimitedUserType = "vnd.backstage.limited-user";
    public const string PluginType = "vnd.backstage.plugin";

    /// <summary>Signs with an EC key; the header's <c>alg</c> is whatever the caller put there.</summary>
    public static string Sign(IDictionary<string, object?> header, IDictionary<string, object?> payload, FakeSigningKey key)
    {
        var signingInput = Encode(header) + "." + Encode(payload);

        return signingInput + "." + WebEncoders.Base64UrlEncode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>Signs with HMAC-SHA256, as Backstage's legacy token manager does.</summary>
    public static string SignHs256(IDictionary<string, object?> header, IDictionary<string, object?> payload, byte[] secret)
    {
        var signingInput = Encode(header) + "." + Encode(payload);

        return signingInput + "." + WebEncoders.Base64UrlEncode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>A token with an empty signature, as <c>alg: none</c> tokens are.</summary>
    public static string WithoutSignature(IDictionary<string, object?> header, IDictionary<string, object?> payload) =>
        Encode(header) + "." + Encode(payload) + ".";

    public static string Encode(object value) => WebEncoders.Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(value));

    /// <summary>Seconds since 1970, the NumericDate of JWT claims.</summary>
    public static long ToNumericDate(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
