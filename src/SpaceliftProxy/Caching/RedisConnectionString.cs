using System.Globalization;
using StackExchange.Redis;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Reads a Redis connection string in either form operators have at hand: StackExchange.Redis
/// options (<c>redis:6379,password=…,ssl=true</c>) or the URL that Backstage's cache settings use
/// (<c>redis://user:password@redis:6379/0</c>, <c>rediss://</c> for TLS).
/// </summary>
internal static class RedisConnectionString
{
    public static ConfigurationOptions Parse(string connectionString)
    {
        var text = connectionString.Trim();
        if (!text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationOptions.Parse(text);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new FormatException("ConnectionStrings:Redis is not a valid redis:// URL; expected redis://[user:password@]host[:port][/database]");
        }

        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);

        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            var password = separator < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
            if (password is null)
            {
                // redis://secret@host is the old form where the only credential is the password.
                options.Password = user;
            }
            else
            {
                options.User = user.Length > 0 ? user : null;
                options.Password = password;
            }
        }

        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            if (!int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                throw new FormatException($"ConnectionStrings:Redis names the database '{database}'; a redis:// URL's path must be a database number");
            }

            options.DefaultDatabase = number;
        }

        return options;
    }
}
