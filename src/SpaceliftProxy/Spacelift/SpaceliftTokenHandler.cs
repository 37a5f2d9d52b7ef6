using System.Net;
using System.Net.Http.Headers;

namespace SpaceliftProxy.Spacelift;

/// <summary>
/// Puts the Spacelift token on every request of the Spacelift client. An HTTP 401 drops the token
/// and sends the request once more with a new one; a GraphQL <c>unauthorized</c> error is handled
/// by <see cref="SpaceliftClient"/>, which understands GraphQL.
/// </summary>
internal sealed class SpaceliftTokenHandler(SpaceliftTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        var response = await SendWithTokenAsync(request, token, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        tokens.Invalidate(token.Generation);
        token = await tokens.GetTokenAsync(cancellationToken);

        return await SendWithTokenAsync(request, token, cancellationToken);
    }

    private Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, SpaceliftToken token, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Jwt);
        request.Options.Set(SpaceliftRequestOptions.TokenGeneration, token.Generation);

        return base.SendAsync(request, cancellationToken);
    }
}
