using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evidence.Cli;

/// <summary>
/// One invocation's connection to an Evidence installation: the started services and the
/// local operator as actor (the OS user, or --as; the role from --role, by default Investigator).
/// </summary>
internal sealed class Session : IAsyncDisposable
{
    private readonly ServiceProvider provider;
    private readonly Actor actor;

    private Session(ServiceProvider provider, Actor actor)
    {
        this.provider = provider;
        this.actor = actor;
    }

    public EvidenceSettings Settings => provider.GetRequiredService<EvidenceSettings>();

    /// <summary>
    /// A session for one command. Only `verify` asks for a <see cref="StartUp.Full"/> start (with `serve`, which starts the web
    /// app): the sweep of what a crash left behind lists the whole blob store, and every other command starts with one query.
    /// </summary>
    public static Task<Session> OpenAsync(CliApp app, CommandLine line, Role defaultRole, CancellationToken cancellationToken, StartUp startUp = StartUp.Quick) =>
        OpenAsync(app, line, new Actor(line.Value("--as") ?? Environment.UserName, ParseRole(line.Value("--role")) ?? defaultRole), cancellationToken, startUp);

    /// <summary>A session whose operator acts in <paramref name="role"/> whatever --role says (`user` reads --role as the account's).</summary>
    public static Task<Session> OpenActingAsAsync(CliApp app, CommandLine line, Role role, CancellationToken cancellationToken) =>
        OpenAsync(app, line, new Actor(line.Value("--as") ?? Environment.UserName, role), cancellationToken, StartUp.Quick);

    private static async Task<Session> OpenAsync(CliApp app, CommandLine line, Actor actor, CancellationToken cancellationToken, StartUp startUp)
    {
        var settings = app.Settings(line);
        var level = line.Has("--verbose") ? LogLevel.Information : LogLevel.Warning;
        var provider = await EvidenceServices.StartAsync(settings, logging => logging
            .SetMinimumLevel(level)
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            // Logs go to stderr: stdout carries only results, so that --json output can be piped.
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace), cancellationToken, startUp);
        return new Session(provider, actor);
    }

    /// <summary>Starts a fresh scope for the next request, so that one failed request leaves nothing behind for the next.</summary>
    public async Task<TResponse> SendAsync<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken, Role? asRole = null)
    {
        await using var requestScope = provider.CreateAsyncScope();
        requestScope.ServiceProvider.GetRequiredService<CurrentActor>().Value = asRole is { } role ? actor with { Role = role } : actor;
        return await requestScope.ServiceProvider.GetRequiredService<IMediator>().Send(request, cancellationToken);
    }

    /// <summary>
    /// Sends a request that reaches the commit only after the one whose <paramref name="queued"/> it is given as
    /// <paramref name="after"/> (see <see cref="CommitTurn"/>): requests sent side by side, recorded in the order they were sent.
    /// </summary>
    public async Task<TResponse> SendInTurnAsync<TResponse>(IRequest<TResponse> request, Task after, TaskCompletionSource queued, CancellationToken cancellationToken)
    {
        await using var requestScope = provider.CreateAsyncScope();
        var turn = requestScope.ServiceProvider.GetRequiredService<CommitTurn>();
        (turn.After, turn.Queued) = (after, queued);
        try
        {
            requestScope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor;
            return await requestScope.ServiceProvider.GetRequiredService<IMediator>().Send(request, cancellationToken);
        }
        finally
        {
            turn.Pass(); // refused before it reached the commit (validation, authorization): the next one goes on
        }
    }

    private static Role? ParseRole(string? value) =>
        value is null ? null
        : Enum.TryParse<Role>(value, ignoreCase: true, out var role) && Enum.IsDefined(role) ? role
        : throw new UsageException($"--role must be one of {string.Join(", ", Enum.GetNames<Role>())}.");

    public async ValueTask DisposeAsync()
    {
        await provider.DisposeAsync();
    }
}
