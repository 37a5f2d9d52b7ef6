namespace SpaceliftProxy.Auth;

/// <summary>
/// Credentials that the service rejects, with the status code and message the caller gets. The
/// status is 401 for an invalid token and 403 for a token not meant for this plugin. It is 503 when
/// the keys to check the token cannot be fetched from Backstage.
/// </summary>
internal sealed class CredentialsRejectedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static CredentialsRejectedException Invalid(string message) => new(StatusCodes.Status401Unauthorized, message);
}
