using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Runs the service and turns invalid settings into a short message and exit code 1, not a stack
/// trace, so an operator sees at once which setting to fix.
/// </summary>
internal static class StartupGuard
{
    /// <summary>
    /// Checks every option validated at start-up, before the host starts, so that a bad setting
    /// stops the service with its message alone and not a host failure with a stack trace.
    /// </summary>
    public static WebApplication ValidateSettings(this WebApplication app)
    {
        app.Services.GetRequiredService<IStartupValidator>().Validate();

        return app;
    }

    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();

            return 0;
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"Spacelift Proxy cannot start: {ex.Message}");
        }
        catch (OptionsValidationException ex)
        {
            await WriteFailuresAsync(ex.Failures);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            // The start-up validator reports each options class with invalid settings as one inner exception.
            await WriteFailuresAsync(ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(inner => inner.Failures));
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder's message names the setting and the value, which is not a secret for
            // settings of these types (numbers, durations, booleans).
            await Console.Error.WriteLineAsync($"Spacelift Proxy cannot start because of an invalid setting: {ex.Message}");
        }
        catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"Spacelift Proxy cannot start: {ex.Message.TrimEnd('.')}. Choose another address with --urls.");
        }

        return 1;
    }

    private static async Task WriteFailuresAsync(IEnumerable<string> failures)
    {
        await Console.Error.WriteLineAsync("Spacelift Proxy cannot start because of invalid settings:");
        foreach (var failure in failures)
        {
            await Console.Error.WriteLineAsync($"  - {failure}");
        }
    }
}
