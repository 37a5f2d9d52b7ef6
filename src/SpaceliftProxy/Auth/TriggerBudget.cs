using System.Globalization;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Counts the runs each caller triggered within the last minute, for
/// <c>Backstage:Auth:TriggersPerMinute</c>. A trigger reserves a place before it is sent and gives
/// it back unless it created a run, so a typo, an unknown stack or a Spacelift failure costs the
/// caller nothing, while concurrent triggers cannot exceed the limit together.
/// </summary>
internal sealed class TriggerBudget(IOptions<BackstageAuthOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Queue<long>> _triggers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Maximum triggers per caller and minute; 0 means no limit.</summary>
    public int PerMinute => options.Value.TriggersPerMinute;

    /// <summary>Reserves a trigger for <paramref name="caller"/>, or returns how long until one is free.</summary>
    public bool TryReserve(string caller, out long reservation, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            var triggers = Prune(caller, now);
            if (triggers.Count >= PerMinute)
            {
                reservation = 0;
                retryAfter = TimeSpan.FromTicks(triggers.Peek() + Window.Ticks - now);

                return false;
            }

            // Ticks are unique enough as a reservation id: a clash only returns another reservation of the same caller.
            triggers.Enqueue(now);
            reservation = now;
            retryAfter = TimeSpan.Zero;

            return true;
        }
    }

    /// <summary>Gives back a reservation whose trigger created no run.</summary>
    public void Release(string caller, long reservation)
    {
        lock (_lock)
        {
            if (!_triggers.TryGetValue(caller, out var triggers))
            {
                return;
            }

            var kept = triggers.Where(tick => tick != reservation).ToArray();
            triggers.Clear();
            foreach (var tick in kept)
            {
                triggers.Enqueue(tick);
            }

            if (triggers.Count == 0)
            {
                _triggers.Remove(caller);
            }
        }
    }

    private Queue<long> Prune(string caller, long now)
    {
        // Callers without recent triggers are dropped, so the table holds only the last minute's callers.
        foreach (var (key, queue) in _triggers.Where(pair => pair.Value.Count == 0 || pair.Value.Peek() <= now - Window.Ticks).ToArray())
        {
            while (queue.Count > 0 && queue.Peek() <= now - Window.Ticks)
            {
                queue.Dequeue();
            }

            if (queue.Count == 0 && key != caller)
            {
                _triggers.Remove(key);
            }
        }

        if (!_triggers.TryGetValue(caller, out var triggers))
        {
            triggers = new Queue<long>();
            _triggers[caller] = triggers;
        }

        return triggers;
    }
}

/// <summary>
/// Applies <see cref="TriggerBudget"/> to a trigger route: 429 with <c>Retry-After</c> once the
/// caller has used up the minute's triggers.
/// </summary>
internal sealed class TriggerBudgetFilter(TriggerBudget budget) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (budget.PerMinute == 0)
        {
            return await next(context);
        }

        var httpContext = context.HttpContext;

        // Without the credentials barrier, anonymous callers are distinguished by IP address.
        var caller = httpContext.Features.Get<BackstageCredentials>()?.Subject ?? $"anonymous:{httpContext.Connection.RemoteIpAddress}";
        if (!budget.TryReserve(caller, out var reservation, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var message = $"{caller} has triggered {budget.PerMinute} runs within the last minute, the limit set by Backstage:Auth:TriggersPerMinute. Try again in {seconds} s.";

            // The audit filter around this one records the response as rate-limited.
            return ErrorResponses.Problem(StatusCodes.Status429TooManyRequests, message);
        }

        var created = false;
        try
        {
            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            created = ((inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK) < StatusCodes.Status400BadRequest;

            return result;
        }
        finally
        {
            if (!created)
            {
                budget.Release(caller, reservation);
            }
        }
    }
}
