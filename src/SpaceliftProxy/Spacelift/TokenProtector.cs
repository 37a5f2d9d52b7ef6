using System.Security.Cryptography;
using System.Text;

namespace SpaceliftProxy.Spacelift;

/// <summary>
/// Encrypts Spacelift tokens before they are shared through Redis, so that a Redis dump or a
/// neighbour on the same Redis does not get a working token.
/// </summary>
/// <remarks>
/// The AES-256-GCM key is derived with HKDF-SHA256 from the API secret, salted with the key id, so
/// every replica with the same key derives the same key, and a replica with another secret (after a
/// rotation, say) cannot read the entry and simply obtains a token of its own. The cache key is the
/// associated data, so an entry copied to another key does not decrypt.
/// </remarks>
internal sealed class TokenProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Info = Encoding.UTF8.GetBytes("spacelift-proxy token cache v1");

    private readonly byte[] _key;

    public TokenProtector(string apiKeyId, string apiSecret)
    {
        _key = HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(apiSecret),
            outputLength: 32,
            salt: Encoding.UTF8.GetBytes(apiKeyId),
            info: Info);
    }

    public byte[] Protect(byte[] plaintext, string associatedData)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);

        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(associatedData));

        return output;
    }

    /// <summary>Decrypts an entry; returns null when it was written with another key or was altered.</summary>
    public byte[]? Unprotect(byte[] protectedData, string associatedData)
    {
        if (protectedData.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[protectedData.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(
                protectedData.AsSpan(0, NonceSize),
                protectedData.AsSpan(NonceSize + TagSize),
                protectedData.AsSpan(NonceSize, TagSize),
                plaintext,
                Encoding.UTF8.GetBytes(associatedData));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return plaintext;
    }
}
