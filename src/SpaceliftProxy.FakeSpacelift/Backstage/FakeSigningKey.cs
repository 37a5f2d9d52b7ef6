using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace SpaceliftProxy.FakeSpacelift.Backstage;

/// <summary>An EC key pair that signs tokens as Backstage does, and its public JWK.</summary>
public sealed class FakeSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private FakeSigningKey(ECDsa key, string keyId, string algorithm)
    {
        _key = key;
        KeyId = keyId;
        Algorithm = algorithm;
    }

    public string KeyId { get; }

    /// <summary><c>ES256</c>, <c>ES384</c> or <c>ES512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>Creates a key for ES256 (P-256), ES384 (P-384) or ES512 (P-521).</summary>
    public static FakeSigningKey Create(string algorithm = "ES256", string? keyId = null)
    {
        var curve = algorithm switch
        {
            "ES256" => ECCurve.NamedCurves.nistP256,
            "ES384" => ECCurve.NamedCurves.nistP384,
            "ES512" => ECCurve.NamedCurves.nistP521,
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Use ES256, ES384 or ES512."),
        };

        return new FakeSigningKey(ECDsa.Create(curve), keyId ?? Guid.NewGuid().ToString(), algorithm);
    }

    /// <summary>The public key as a JWK, the form Backstage's JWKS endpoints publish.</summary>
    public Dictionary<string, string> PublicJwk()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);

        return new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = Algorithm switch { "ES256" => "P-256", "ES384" => "P-384", _ => "P-521" },
            ["x"] = WebEncoders.Base64UrlEncode(parameters.Q.X!),
            ["y"] = WebEncoders.Base64UrlEncode(parameters.Q.Y!),
            ["kid"] = KeyId,
            ["alg"] = Algorithm,
            ["use"] = "sig",
        };
    }

    /// <summary>The public key's uncompressed point, <c>0x04 || x || y</c>, for algorithm-confusion tests.</summary>
    public byte[] PublicKeyBytes()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);

        return [0x04, .. parameters.Q.X!, .. parameters.Q.Y!];
    }

    /// <summary>Signs the JWS signing input with the key's algorithm, in JWS's fixed-length r||s form.</summary>
    public byte[] Sign(byte[] signingInput) => _key.SignData(signingInput, HashAlgorithm);

    /// <summary>Returns true when the signature of a compact JWS was made by this key.</summary>
    public bool Verifies(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        try
        {
            return _key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), WebEncoders.Base64UrlDecode(parts[2]), HashAlgorithm);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();

    private HashAlgorithmName HashAlgorithm => Algorithm switch
    {
        "ES256" => HashAlgorithmName.SHA256,
        "ES384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };
}
