using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>
/// The service as an operator runs it: its own process, started with <c>dotnet SpaceliftProxy.dll</c>,
/// arguments and environment variables, listening on a free loopback port.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the service; <paramref name="environment"/> values of null remove a variable.</summary>
    /// <param name="urls">The <c>--urls</c> value; by default a free loopback port.</param>
    public static ServiceProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? urls = null)
    {
        var address = new Uri(urls ?? $"http://127.0.0.1:{FreeLoopbackPort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(urls ?? address.ToString());

        // Keep the developer's own settings out of the child process.
        foreach (var key in start.Environment.Keys.Where(IsServiceSetting).ToArray())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["Shutdown__DrainDelay"] = "00:00:00";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service process.");
        var service = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, line) => service.Append(line.Data);
        process.ErrorDataReceived += (_, line) => service.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        return service;
    }

    /// <summary>Waits until the service accepts requests; fails with its output when it exits first.</summary>
    public async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"The service exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                var response = await client.GetAsync(new Uri("/api/spacelift-io/health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening, but not responding yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The service did not answer within {timeout}:\n{Output}");
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as Kubernetes does when it stops a pod.</summary>
    public void Terminate()
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with exit code {kill.ExitCode}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsServiceSetting(string key) =>
        key.StartsWith("Spacelift", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("SPACELIFT_", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Backstage", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Cache__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Shutdown__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase);

    private void Append(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
