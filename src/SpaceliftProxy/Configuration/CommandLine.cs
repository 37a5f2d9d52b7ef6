namespace SpaceliftProxy.Configuration;

/// <summary>
/// Command-line switches that the service handles itself, plus the arguments left for .NET's
/// command-line configuration provider.
/// </summary>
/// <param name="Demo">Whether <c>--demo</c> was given.</param>
/// <param name="ConfigFiles">Backstage app-config files from <c>--config</c>, in command-line order.</param>
/// <param name="Remaining">All other arguments, unchanged and in order.</param>
internal sealed record StartupArguments(bool Demo, IReadOnlyList<string> ConfigFiles, string[] Remaining)
{
    private const string DemoSwitch = "--demo";
    private const string ConfigSwitch = "--config";

    /// <summary>
    /// Removes <c>--demo</c> and every <c>--config FILE</c> or <c>--config=FILE</c> from the arguments.
    /// </summary>
    /// <remarks>
    /// .NET's command-line provider reads <c>--demo --config x</c> as the key <c>demo</c> with the
    /// value <c>--config</c>, so these switches must be removed before that provider parses the arguments.
    /// </remarks>
    /// <exception cref="StartupException"><c>--config</c> has no file name, or <c>--demo</c> has a value.</exception>
    public static StartupArguments Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);

        var demo = false;
        var configFiles = new List<string>();
        var remaining = new List<string>();

        for (var i = 0; i < args.Length; i++)
        {
            var argument = args[i];

            if (argument == DemoSwitch)
            {
                demo = true;
            }
            else if (argument.StartsWith(DemoSwitch + "=", StringComparison.Ordinal))
            {
                throw new StartupException(
                    $"Invalid argument '{argument}': {DemoSwitch} is a switch and takes no value. Pass {DemoSwitch} alone to run in demo mode.");
            }
            else if (argument == ConfigSwitch)
            {
                // A following switch means the file name was left out, not that a file is named "--demo".
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw MissingConfigFile();
                }

                i++;
                configFiles.Add(args[i]);
            }
            else if (argument.StartsWith(ConfigSwitch + "=", StringComparison.Ordinal))
            {
                var file = argument[(ConfigSwitch.Length + 1)..];
                if (file.Length == 0)
                {
                    throw MissingConfigFile();
                }

                configFiles.Add(file);
            }
            else
            {
                remaining.Add(argument);
            }
        }

        return new StartupArguments(demo, configFiles, [.. remaining]);
    }

    private static StartupException MissingConfigFile() =>
        new($"{ConfigSwitch} requires a file name. Pass the path of a Backstage app-config file, such as {ConfigSwitch} app-config.yaml or {ConfigSwitch}=app-config.yaml.");
}
