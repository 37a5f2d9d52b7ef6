using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Auth;

/// <summary>
/// The credentials barrier in front of the plugin routes, as Backstage's default auth policy puts
/// one in front of every plugin: each route needs a Backstage user or service unless it allows
/// anonymous callers, as <c>/health</c> and <c>/.backstage/auth/v1/jwks.json</c> do.
/// </summary>
internal static partial class BackstageAuth
{
    /// <summary>Any authenticated caller; every caller when the barrier is off.</summary>
    public const string CredentialsPolicy = "BackstageCredentials";

    /// <summary>Callers on <c>Backstage:Auth:ActionAllowList</c>.</summary>
    public const string RunActionPolicy = "BackstageRunActions";

    /// <summary>Maximum size of a JWKS or user info response from Backstage.</summary>
    private const int MaxResponseBytes = 1024 * 1024;

    /// <summary>Registers the authentication scheme, the policies, the trigger budget and the settings they read.</summary>
    public static IServiceCollection AddBackstageAuth(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<BackstageAuthOptions>()
            .BindConfiguration(BackstageAuthOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackstageAuthOptions>, BackstageAuthSettingsValidator>();

        services.AddSingleton(provider => BackstageAuthSettings.Read(
            provider.GetRequiredService<IOptions<BackstageAuthOptions>>().Value, provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton(provider => provider.GetRequiredService<BackstageAuthSettings>().Discovery);
        services.AddSingleton(provider => provider.GetRequiredService<BackstageAuthSettings>().ExternalAccess);
        services.AddSingleton(provider => provider.GetRequiredService<BackstageAuthSettings>().UserTokenAlgorithm);
        services.AddSingleton<VerifiedTokenCache>();
        services.AddSingleton<JwksKeySetFactory>();
        services.AddSingleton<PluginKeySets>();
        services.AddSingleton<CredentialVerifier>();
        services.AddSingleton<UserInfoClient>();
        services.AddSingleton<RunActionAudit>();

        services.AddHttpClient(JwksKeySet.HttpClientName, (provider, client) =>
        {
            client.Timeout = provider.GetRequiredService<IOptions<BackstageAuthOptions>>().Value.BackstageTimeout;
            client.MaxResponseContentBufferSize = MaxResponseBytes;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("SpaceliftProxy/1.0");
        });

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BackstageAuthenticationHandler>(BackstageAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<BackstageAuthOptions>>(AddPolicies);
        services.AddSingleton<IAuthorizationHandler, ActionAllowListHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, BarrierResultHandler>();
        services.AddSingleton<TriggerBudget>();

        return services;
    }

    /// <summary>Adds authentication and authorization to the pipeline, and logs doubtful settings.</summary>
    public static WebApplication UseBackstageAuth(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BackstageAuth).FullName!);
        foreach (var warning in app.Services.GetRequiredService<BackstageAuthSettings>().Warnings)
        {
            Log.SettingWarning(logger, warning);
        }

        app.UseAuthentication();
        app.UseAuthorization();

        return app;
    }

    /// <summary>
    /// Puts the group's routes behind the barrier and documents their 401 response. Routes that call
    /// <c>AllowAnonymous</c> stay open.
    /// </summary>
    public static RouteGroupBuilder RequireBackstageCredentials(this RouteGroupBuilder group)
    {
        group.RequireAuthorization(CredentialsPolicy);

        // Finally runs after each route's own conventions, so AllowAnonymous metadata is already in place.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (!endpoint.Metadata.OfType<IAllowAnonymous>().Any())
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(
                    StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ["application/problem+json"]));
            }
        });

        return group;
    }

    /// <summary>
    /// Maps <c>{base}/.backstage/auth/v1/jwks.json</c>, which every Backstage plugin serves without
    /// credentials. This service signs no tokens, so the set is empty. Older Backstage backends send a
    /// plugin their plugin tokens only when this path exists, and legacy tokens otherwise.
    /// </summary>
    public static RouteGroupBuilder MapPluginAuthApi(this RouteGroupBuilder api)
    {
        api.MapGet(PluginKeySets.JwksPath, () => TypedResults.Ok(JsonWebKeySetDocument.Empty))
            .AllowAnonymous()
            .WithTags("Auth")
            .WithSummary("Returns the plugin's public keys for service-to-service tokens: none; needs no credentials.");

        return api;
    }

    private static void AddPolicies(AuthorizationOptions authorization, IOptions<BackstageAuthOptions> options)
    {
        var barrierOn = !options.Value.DangerouslyDisableDefaultAuthPolicy;

        var credentials = new AuthorizationPolicyBuilder(BackstageAuthenticationHandler.SchemeName);
        var runActions = new AuthorizationPolicyBuilder(BackstageAuthenticationHandler.SchemeName)
            .AddRequirements(new ActionAllowListRequirement());
        if (barrierOn)
        {
            credentials.RequireAuthenticatedUser();
            runActions.RequireAuthenticatedUser();
        }
        else
        {
            // The scheme still runs, so a caller that sends a valid token is known to the allow list.
            credentials.RequireAssertion(_ => true);
        }

        authorization.AddPolicy(CredentialsPolicy, credentials.Build());
        authorization.AddPolicy(RunActionPolicy, runActions.Build());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5030, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void SettingWarning(ILogger logger, string warning);
    }
}

/// <summary>A JWKS document, <c>{"keys":[...]}</c>.</summary>
internal sealed record JsonWebKeySetDocument(IReadOnlyList<object> Keys)
{
    public static readonly JsonWebKeySetDocument Empty = new([]);
}
