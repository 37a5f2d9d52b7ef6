using System.Security.Cryptography;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// Creates ids in Spacelift's format: ULIDs, 26 upper-case characters of Crockford's base32, the
/// first 10 encoding the creation time in Unix milliseconds and the last 16 random.
/// </summary>
public static class FakeIds
{
    public const string CrockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public const int Length = 26;

    /// <summary>Creates a ULID for <paramref name="time"/> with cryptographically random low bits.</summary>
    public static string NewUlid(DateTimeOffset time)
    {
        Span<byte> randomBytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(randomBytes);
        return Encode(time, randomBytes);
    }

    /// <summary>Creates a ULID whose random part comes from <paramref name="random"/>, so seeded data is repeatable.</summary>
    public static string NewUlid(DateTimeOffset time, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> randomBytes = stackalloc byte[16];
        random.NextBytes(randomBytes);
        return Encode(time, randomBytes);
    }

    /// <summary>Returns whether <paramref name="id"/> has the length and alphabet of a ULID.</summary>
    public static bool IsUlid(string? id) =>
        id is { Length: Length } && id.All(character => CrockfordAlphabet.Contains(character, StringComparison.Ordinal));

    private static string Encode(DateTimeOffset time, ReadOnlySpan<byte> randomBytes)
    {
        var milliseconds = Math.Max(0, time.ToUnixTimeMilliseconds());
        Span<char> characters = stackalloc char[Length];

        // 10 characters carry 50 bits, enough for the 48-bit millisecond timestamp.
        for (var i = 9; i >= 0; i--)
        {
            characters[i] = CrockfordAlphabet[(int)(milliseconds & 31)];
            milliseconds >>= 5;
        }

        // Each of the 16 random characters takes 5 bits of its own byte: 80 random bits in all.
        for (var i = 0; i < 16; i++)
        {
            characters[10 + i] = CrockfordAlphabet[randomBytes[i] & 31];
        }

        return new string(characters);
    }
}
