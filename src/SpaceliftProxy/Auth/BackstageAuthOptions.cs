namespace SpaceliftProxy.Auth;

/// <summary>
/// Credentials that the plugin routes accept, and who may trigger, confirm and discard runs: the
/// <c>Backstage:Auth</c> section, or <c>backend.auth</c> in a Backstage app-config file.
/// </summary>
/// <remarks>
/// <see cref="DangerouslyDisableDefaultAuthPolicy"/>, <see cref="ExternalAccess"/> and <see cref="Keys"/>
/// have the names and shapes that Backstage gives them, so an operator can point the service at the
/// app-config file Backstage already reads. The other settings are this service's own.
/// </remarks>
internal sealed class BackstageAuthOptions
{
    public const string SectionName = "Backstage:Auth";

    /// <summary>
    /// When true, the plugin routes accept requests without credentials, as Backstage plugins do
    /// with the same setting. Default false.
    /// </summary>
    public bool DangerouslyDisableDefaultAuthPolicy { get; set; }

    /// <summary>Static tokens and legacy shared secrets of callers outside Backstage.</summary>
    public List<ExternalAccessEntry> ExternalAccess { get; set; } = [];

    /// <summary>
    /// Deprecated legacy shared secrets (<c>backend.auth.keys</c>). Callers signing with one of them
    /// get the subject <c>external:backstage-plugin</c>.
    /// </summary>
    public List<LegacyKeyEntry> Keys { get; set; } = [];

    /// <summary>
    /// JWKS address of Backstage's auth backend, which signs user tokens. Default: the auth plugin's
    /// internal discovery target, or <c>{Backstage:BaseUrl}/api/auth</c>, followed by
    /// <c>/.well-known/jwks.json</c>.
    /// </summary>
    public string? JwksUrl { get; set; }

    /// <summary>
    /// Expected <c>iss</c> claim of user tokens, such as <c>https://backstage.example.com/api/auth</c>.
    /// Default none: Backstage itself does not check the issuer.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>Callers allowed to trigger, confirm and discard runs. Empty lists allow every caller.</summary>
    public ActionAllowListOptions ActionAllowList { get; set; } = new();

    /// <summary>Maximum number of run triggers per caller per minute. Default 10; 0 turns the limit off.</summary>
    public int TriggersPerMinute { get; set; } = 10;

    /// <summary>
    /// Minimum time between two fetches of the same JWKS. A token naming an unknown key id fetches
    /// the keys again only after this interval, so forged key ids cannot flood Backstage. Default 5 s.
    /// </summary>
    public TimeSpan JwksRefetchInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum time one call to Backstage (JWKS, user info) may take. Default 5 s.</summary>
    public TimeSpan BackstageTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>One <c>backend.auth.externalAccess</c> entry.</summary>
internal sealed class ExternalAccessEntry
{
    /// <summary><c>static</c> or <c>legacy</c>.</summary>
    public string? Type { get; set; }

    public ExternalAccessSettings? Options { get; set; }

    /// <summary>
    /// The same settings as <see cref="Options"/>. Some Backstage documentation writes <c>config:</c>
    /// where Backstage's code reads <c>options:</c>, so app-config files contain both spellings.
    /// </summary>
    public ExternalAccessSettings? Config { get; set; }

    /// <summary>Plugins the entry may call. Empty allows every plugin.</summary>
    public List<AccessRestriction> AccessRestrictions { get; set; } = [];

    /// <summary>Returns <see cref="Options"/>, or <see cref="Config"/> when only that is given.</summary>
    public ExternalAccessSettings EffectiveSettings => Options ?? Config ?? new ExternalAccessSettings();
}

internal sealed class ExternalAccessSettings
{
    /// <summary>For <c>static</c>: the bearer token, at least 8 characters without whitespace.</summary>
    public string? Token { get; set; }

    /// <summary>The principal that callers with this token become, such as <c>ci-bot</c>.</summary>
    public string? Subject { get; set; }

    /// <summary>For <c>legacy</c>: the base64 HS256 secret, used after decoding.</summary>
    public string? Secret { get; set; }
}

/// <summary>
/// One <c>accessRestrictions</c> item. Backstage also reads <c>permission</c> and
/// <c>permissionAttribute</c>, which restrict permission checks; this service has none, so only
/// <see cref="Plugin"/> matters.
/// </summary>
internal sealed class AccessRestriction
{
    public string? Plugin { get; set; }
}

/// <summary>One deprecated <c>backend.auth.keys</c> entry.</summary>
internal sealed class LegacyKeyEntry
{
    public string? Secret { get; set; }
}

/// <summary>
/// The <c>Backstage:Auth:ActionAllowList</c> section. When all three lists are empty, every
/// authenticated caller may trigger, confirm and discard runs.
/// </summary>
internal sealed class ActionAllowListOptions
{
    /// <summary>User entity refs such as <c>user:default/jdoe</c>; <c>jdoe</c> means the same.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>
    /// Group entity refs such as <c>group:default/platform</c>, matched against the user's ownership
    /// entity refs; <c>platform</c> means the same.
    /// </summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>
    /// Calling plugin ids such as <c>scaffolder</c> (or <c>plugin:scaffolder</c>), and subjects of
    /// external access entries such as <c>ci-bot</c>.
    /// </summary>
    public List<string> Services { get; set; } = [];

    public bool IsEmpty => Users.Count == 0 && Groups.Count == 0 && Services.Count == 0;
}
