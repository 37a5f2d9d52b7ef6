using System.Globalization;
using System.Runtime.InteropServices;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.FakeSpacelift.Backstage;

namespace SpaceliftProxy.Benchmarks;

/// <summary>
/// Measures what the credentials barrier costs the polling frontend. It compares requests per
/// second for <c>GET /api/spacelift-io/stacks</c> with a user token on every request against the
/// same service with the barrier off. Everything runs on 127.0.0.1 and stops by itself.
/// </summary>
/// <remarks>
/// Both services run at once, against the same Spacelift and Backstage stand-ins, and the two are
/// measured in alternating rounds (on then off, then off then on) so that noise from other work on
/// the machine falls on both alike. The stack list is cached for 10 minutes so that Spacelift calls
/// do not enter the measurement.
/// </remarks>
internal static class BarrierBenchmark
{
    private const string Path = "/api/spacelift-io/stacks";
    private const double TargetRatio = 0.5;
    private const long MaxRequestsPerPhase = 5_000_000;

    public static async Task<int> Main(string[] args)
    {
        var settings = BenchmarkSettings.Parse(args);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync(BenchmarkSettings.Usage);
            return 64;
        }

        Console.WriteLine(
            $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}. " +
            $"GET {Path} from {settings.Concurrency} keep-alive connections; {settings.Rounds} rounds of {settings.PhaseSeconds} s per service after {settings.WarmupSeconds} s of warm-up.");

        await using var spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { EnableControlEndpoints = false });
        await using var backstage = await FakeBackstageServer.StartAsync();
        var common = new Dictionary<string, string>
        {
            ["Spacelift__HostUrl"] = spacelift.BaseAddress.ToString(),
            ["Spacelift__ApiKey"] = spacelift.Options.ApiKeyId,
            ["Spacelift__ApiSecret"] = spacelift.Options.ApiKeySecret,
            ["Cache__StacksTtl"] = "00:10:00",
        };

        var startTimeout = TimeSpan.FromSeconds(60);
        await using var barrierOn = await ServiceUnderTest.StartAsync("barrier on", new Dictionary<string, string>(common)
        {
            ["Backstage__BaseUrl"] = backstage.BaseAddress.ToString().TrimEnd('/'),
        }, startTimeout);
        await using var barrierOff = await ServiceUnderTest.StartAsync("barrier off", new Dictionary<string, string>(common)
        {
            ["Backstage__Auth__DangerouslyDisableDefaultAuthPolicy"] = "true",
        }, startTimeout);

        var token = backstage.IssueUserToken(lifetime: TimeSpan.FromHours(1));
        var runner = new LoadRunner(settings.Concurrency, Path, MaxRequestsPerPhase);
        using var onClient = runner.CreateClient(barrierOn.Address);
        using var offClient = runner.CreateClient(barrierOff.Address);
        var phase = TimeSpan.FromSeconds(settings.PhaseSeconds);

        var warmOff = await runner.RunAsync(offClient, null, TimeSpan.FromSeconds(settings.WarmupSeconds));
        var warmOn = await runner.RunAsync(onClient, token, TimeSpan.FromSeconds(settings.WarmupSeconds));
        if (Failed(warmOn, barrierOn) || Failed(warmOff, barrierOff))
        {
            return 1;
        }

        var on = new List<Measurement>();
        var off = new List<Measurement>();
        Console.WriteLine("round   barrier on req/s   barrier off req/s");
        for (var round = 1; round <= settings.Rounds; round++)
        {
            Measurement roundOn;
            Measurement roundOff;
            if (round % 2 == 1)
            {
                roundOn = await runner.RunAsync(onClient, token, phase);
                roundOff = await runner.RunAsync(offClient, null, phase);
            }
            else
            {
                roundOff = await runner.RunAsync(offClient, null, phase);
                roundOn = await runner.RunAsync(onClient, token, phase);
            }

            if (Failed(roundOn, barrierOn) || Failed(roundOff, barrierOff))
            {
                return 1;
            }

            on.Add(roundOn);
            off.Add(roundOff);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{round,5}   {roundOn.RequestsPerSecond,16:F0}   {roundOff.RequestsPerSecond,17:F0}"));
        }

        var onRate = on.Sum(m => m.Requests) / on.Sum(m => m.Elapsed.TotalSeconds);
        var offRate = off.Sum(m => m.Requests) / off.Sum(m => m.Elapsed.TotalSeconds);
        var ratio = onRate / offRate;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"total   {onRate,16:F0}   {offRate,17:F0}\nratio barrier on / off: {ratio:F2} (target >= {TargetRatio:F1}): {(ratio >= TargetRatio ? "met" : "NOT met")}"));

        return ratio >= TargetRatio ? 0 : 2;
    }

    private static bool Failed(Measurement measurement, ServiceUnderTest service)
    {
        if (measurement.Failures == 0)
        {
            return false;
        }

        Console.Error.WriteLine($"{measurement.Failures} requests to the {service.Name} service failed; the first: {measurement.FirstFailure}\n{service.Output}");

        return true;
    }
}

/// <summary>Command-line settings of the benchmark, each bounded so that a run always ends.</summary>
internal sealed record BenchmarkSettings(int Concurrency, int Rounds, int PhaseSeconds, int WarmupSeconds)
{
    public const string Usage =
        "Usage: SpaceliftProxy.Benchmarks [--concurrency 1-256 (default 32)] [--rounds 1-20 (default 5)] [--seconds 1-60 per phase (default 3)] [--warmup 1-60 seconds (default 10)]";

    /// <summary>Returns the settings, or null when an argument is unknown or out of range.</summary>
    public static BenchmarkSettings? Parse(string[] args)
    {
        var values = new Dictionary<string, int> { ["--concurrency"] = 32, ["--rounds"] = 5, ["--seconds"] = 3, ["--warmup"] = 10 };
        var limits = new Dictionary<string, int> { ["--concurrency"] = 256, ["--rounds"] = 20, ["--seconds"] = 60, ["--warmup"] = 60 };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!values.ContainsKey(args[i])
                || i + 1 >= args.Length
                || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || value < 1
                || value > limits[args[i]])
            {
                return null;
            }

            values[args[i]] = value;
        }

        return new BenchmarkSettings(values["--concurrency"], values["--rounds"], values["--seconds"], values["--warmup"]);
    }
}
