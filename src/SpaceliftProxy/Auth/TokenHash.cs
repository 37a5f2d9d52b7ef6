using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SpaceliftProxy.Auth;

/// <summary>
/// SHA-256 of a bearer token: the key of verified tokens, static tokens and user info. No cache
/// uses a token itself as a key, and logs can name a token without revealing it.
/// </summary>
internal readonly record struct TokenHash(UInt128 High, UInt128 Low)
{
    private const int StackBufferBytes = 4096;

    public static TokenHash Of(string token)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= StackBufferBytes ? stackalloc byte[StackBufferBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(token, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..length], hash);

            return new TokenHash(BinaryPrimitives.ReadUInt128BigEndian(hash), BinaryPrimitives.ReadUInt128BigEndian(hash[16..]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Returns the first 8 bytes in hex, enough to tell tokens apart in a log.</summary>
    public override string ToString() => ((ulong)(High >> 64)).ToString("x16", CultureInfo.InvariantCulture);
}
